/**
 * Baseline for bench:feed, run as a child process: `node static-server.js <spec.json> <port>`.
 * Node's own `http` server answering from memory with the bytes and headers the feed service sent
 * — no Express, no router, no metrics — i.e. what one Node process can do on this path at best.
 * The spec lists `{urlPath, headers, identity, gzip?, etag}` with file names for the bodies.
 */
import fs from 'node:fs';
import http from 'node:http';

interface SpecEntry {
  urlPath: string;
  etag: string;
  headers: Record<string, string>;
  identity: string;
  gzip?: string;
}

interface Entry {
  etag: string;
  headers: [string, string][];
  identity: Buffer;
  gzip: Buffer | undefined;
}

const [specFile, portText] = process.argv.slice(2);
if (!specFile || !portText) {
  process.stderr.write('usage: static-server <spec.json> <port>\n');
  process.exit(2);
}
const spec = JSON.parse(fs.readFileSync(specFile, 'utf8')) as SpecEntry[];
const entries = new Map<string, Entry>(
  spec.map((e) => [
    e.urlPath,
    {
      etag: e.etag,
      headers: Object.entries(e.headers),
      identity: fs.readFileSync(e.identity),
      gzip: e.gzip ? fs.readFileSync(e.gzip) : undefined,
    },
  ]),
);

const server = http.createServer((req, res) => {
  const q = req.url?.indexOf('?') ?? -1;
  const entry = entries.get(q === -1 ? (req.url ?? '') : req.url!.slice(0, q));
  if (!entry || (req.method !== 'GET' && req.method !== 'HEAD')) {
    res.statusCode = 404;
    res.end();
    return;
  }
  for (const [name, value] of entry.headers) res.setHeader(name, value);
  if (req.headers['if-none-match'] === entry.etag) {
    res.statusCode = 304;
    res.end();
    return;
  }
  const gzip = entry.gzip !== undefined && /\bgzip\b/.test(req.headers['accept-encoding'] ?? '');
  const body = gzip ? entry.gzip! : entry.identity;
  if (gzip) res.setHeader('Content-Encoding', 'gzip');
  res.setHeader('Content-Length', body.length);
  res.end(req.method === 'HEAD' ? undefined : body);
});
server.keepAliveTimeout = 65_000;
server.listen(Number(portText), '127.0.0.1');
// Nothing to flush: exit at once rather than wait for the load generator's keep-alive sockets.
process.on('SIGTERM', () => process.exit(0));
