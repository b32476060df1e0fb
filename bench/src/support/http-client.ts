import http from 'node:http';

export interface HttpResponse {
  status: number;
  body: string;
}

/**
 * One request on `agent` (keep-alive), the whole response body read. Node's own client rather
 * than a load tool: undici's current major needs Node 22, and this keeps the bench dependency-free.
 */
export function request(
  agent: http.Agent,
  options: { port: number; method: string; path: string; headers?: http.OutgoingHttpHeaders; body?: string },
  timeoutMs = 30_000,
): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const headers: http.OutgoingHttpHeaders = { ...options.headers };
    if (options.body !== undefined) headers['content-length'] = Buffer.byteLength(options.body);
    const req = http.request(
      { host: '127.0.0.1', port: options.port, method: options.method, path: options.path, headers, agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.setTimeout(timeoutMs, () =>
      req.destroy(new Error(`${options.method} ${options.path}: no response within ${timeoutMs} ms`)),
    );
    req.on('error', reject);
    req.end(options.body);
  });
}
