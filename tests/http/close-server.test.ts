import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeServer, listen } from '@careerfeed/http';

/**
 * Shutdown under load: a request in progress when the server closes still gets its answer, and its
 * keep-alive connection is closed once idle, so closing does not wait for the keep-alive timeout
 * (65 s, longer than the 10 s shutdown grace).
 */
test('when the server closes during a request on a keep-alive connection, then the request is answered and closing ends soon after', async () => {
  const server = await listen(
    (_req, res) => {
      setTimeout(() => res.end('done'), 300);
    },
    '127.0.0.1',
    0,
  );
  const agent = new http.Agent({ keepAlive: true });
  const { port } = server.address() as AddressInfo;
  const answer = new Promise<string>((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve(body));
      })
      .on('error', reject);
  });
  await new Promise((resolve) => setTimeout(resolve, 100));

  let closed = false;
  const closing = closeServer(server).then(() => (closed = true));
  expect(await answer).toBe('done');
  // Well under the keep-alive timeout: the idle connection was closed, not left to time out.
  const deadline = Date.now() + 5_000;
  while (!closed && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  expect(closed).toBe(true);
  await closing;
  agent.destroy();
});
