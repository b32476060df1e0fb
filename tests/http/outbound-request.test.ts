import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import zlib from 'node:zlib';
import { OutboundRequestError, assertPublicHttpUrl, outboundRequest, publicAddressesOnly } from '@careerfeed/http';

/**
 * The SSRF guard and limits of requests to user-given URLs, against real servers on loopback.
 * Loopback stands in for "inside": with private networks refused it must be unreachable, by
 * literal, by hostname and by redirect.
 */

interface TestServer {
  url: string;
  /** Requests that reached the server. */
  hits: string[];
  close(): Promise<void>;
}

async function startServer(handler: http.RequestListener, host = '127.0.0.1'): Promise<TestServer> {
  const hits: string[] = [];
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    handler(req, res);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

async function outboundError(promise: Promise<unknown>): Promise<OutboundRequestError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof OutboundRequestError) return error;
    throw error;
  }
  throw new Error('expected the request to fail');
}

describe('which addresses count as public', () => {
  it.each([
    ['127.0.0.1', false],
    ['127.8.9.10', false],
    ['10.1.2.3', false],
    ['172.16.0.1', false],
    ['192.168.1.1', false],
    ['169.254.169.254', false], // cloud metadata service
    ['100.64.0.1', false], // carrier-grade NAT
    ['0.0.0.0', false],
    ['224.0.0.1', false],
    ['255.255.255.255', false],
    ['::1', false],
    ['::', false],
    ['fe80::1', false],
    ['fc00::1', false],
    ['::ffff:127.0.0.1', false], // IPv4-mapped loopback
    ['::ffff:10.0.0.1', false],
    ['not-an-address', false],
    ['8.8.8.8', true],
    ['129.97.1.1', true],
    ['2606:4700:4700::1111', true],
    ['::ffff:8.8.8.8', true],
  ])('%s → public: %s', (address, expected) => {
    expect(publicAddressesOnly(address)).toBe(expected);
  });
});

describe('assertPublicHttpUrl (checking a URL a user submits)', () => {
  it.each([
    ['ftp://example.org/feed', 'INVALID_URL'],
    ['javascript:alert(1)', 'INVALID_URL'],
    ['not a url', 'INVALID_URL'],
    ['http://user:secret@example.org/', 'INVALID_URL'],
    ['http://host.invalid/', 'INVALID_URL'], // RFC 6761: never resolves
    ['http://127.0.0.1/', 'BLOCKED_ADDRESS'],
    ['http://[::1]:8080/', 'BLOCKED_ADDRESS'],
    ['http://[::ffff:7f00:1]/', 'BLOCKED_ADDRESS'],
    ['http://2130706433/', 'BLOCKED_ADDRESS'], // 127.0.0.1 written as one number
    ['http://0x7f.1/', 'BLOCKED_ADDRESS'],
    ['http://169.254.169.254/latest/meta-data/', 'BLOCKED_ADDRESS'],
    ['http://localhost:3001/', 'BLOCKED_ADDRESS'], // a hostname that resolves to loopback
  ])('%s → %s', async (url, code) => {
    const error = await outboundError(assertPublicHttpUrl(url, false));
    expect(error.code).toBe(code);
  });

  it('accepts loopback when private networks are allowed', async () => {
    const url = await assertPublicHttpUrl('http://localhost:3001/feed.xml', true);
    expect(url.toString()).toBe('http://localhost:3001/feed.xml');
  });
});

describe('outboundRequest', () => {
  let servers: TestServer[] = [];
  const start = async (handler: http.RequestListener, host?: string) => {
    const server = await startServer(handler, host);
    servers.push(server);
    return server;
  };
  afterEach(async () => {
    await Promise.all(servers.map((server) => server.close()));
    servers = [];
  });

  it('refuses a loopback server by literal and by hostname before sending anything', async () => {
    const server = await start((_req, res) => res.end('inside'));
    const byLiteral = await outboundError(outboundRequest({ url: server.url, allowPrivateNetworks: false }));
    const byName = await outboundError(
      outboundRequest({ url: server.url.replace('127.0.0.1', 'localhost'), allowPrivateNetworks: false }),
    );
    expect([byLiteral.code, byName.code]).toEqual(['BLOCKED_ADDRESS', 'BLOCKED_ADDRESS']);
    expect(server.hits).toEqual([]);
  });

  it('re-checks the address on every redirect hop', async () => {
    const inside = await start((_req, res) => res.end('secret'), '127.0.0.2');
    const outside = await start((_req, res) => res.writeHead(302, { location: `${inside.url}/admin` }).end());
    // 127.0.0.1 plays the public host here and 127.0.0.2 the private one.
    const onlyFirst = (address: string) => address === '127.0.0.1';
    const error = await outboundError(
      outboundRequest({ url: outside.url, allowPrivateNetworks: false, addressPolicy: onlyFirst }),
    );
    expect(error.code).toBe('BLOCKED_ADDRESS');
    expect(outside.hits).toEqual(['GET /']);
    expect(inside.hits).toEqual([]);
  });

  it('follows redirects to the final answer and reports its URL; a POST turned by 303 becomes a GET', async () => {
    const server = await start((req, res) => {
      if (req.url === '/old') res.writeHead(301, { location: '/moved' }).end();
      else if (req.url === '/moved') res.writeHead(303, { location: '/final' }).end();
      else res.end(`${req.method} ${req.url}`);
    });
    const response = await outboundRequest({
      url: `${server.url}/old`,
      method: 'POST',
      body: '{}',
      allowPrivateNetworks: true,
    });
    expect(response.status).toBe(200);
    expect(response.url).toBe(`${server.url}/final`);
    expect(response.body.toString()).toBe('GET /final');
  });

  it('stops a redirect loop, and returns a 3xx as is when redirects are not followed', async () => {
    const server = await start((req, res) => res.writeHead(302, { location: req.url === '/a' ? '/b' : '/a' }).end());
    const loop = await outboundError(
      outboundRequest({ url: `${server.url}/a`, allowPrivateNetworks: true, maxRedirects: 3 }),
    );
    expect(loop.code).toBe('TOO_MANY_REDIRECTS');
    expect(server.hits).toHaveLength(4);

    const unfollowed = await outboundRequest({ url: `${server.url}/a`, allowPrivateNetworks: true, maxRedirects: 0 });
    expect(unfollowed.status).toBe(302);
    expect(unfollowed.headers.location).toBe('/b');
  });

  it('sends method, headers and body, and returns error statuses instead of throwing', async () => {
    let received = '';
    const server = await start((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        received = `${req.method} ${req.headers['content-type']} ${Buffer.concat(chunks).toString()}`;
        res.writeHead(500, { 'x-reason': 'broken' }).end('oops');
      });
    });
    const response = await outboundRequest({
      url: server.url,
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"é":"✓"}',
      allowPrivateNetworks: true,
    });
    expect(received).toBe('POST application/json {"é":"✓"}');
    expect(response.status).toBe(500);
    expect(response.headers['x-reason']).toBe('broken');
    expect(response.body.toString()).toBe('oops');
  });

  it('refuses bodies over the limit: declared, streamed, and a gzip bomb counted decompressed', async () => {
    const big = Buffer.alloc(64 * 1024, 'a');
    const bomb = zlib.gzipSync(Buffer.alloc(10 * 1024 * 1024)); // ~10 KB on the wire, 10 MB inside
    const server = await start((req, res) => {
      if (req.url === '/declared') res.writeHead(200, { 'content-length': big.length }).end(big);
      else if (req.url === '/streamed') {
        res.writeHead(200); // chunked: no length announced
        res.write(big);
        res.end(big);
      } else if (req.url === '/bomb') res.writeHead(200, { 'content-encoding': 'gzip' }).end(bomb);
      else res.writeHead(200, { 'content-encoding': 'gzip' }).end(zlib.gzipSync('small and fine'));
    });
    const limit = 50 * 1024;
    for (const path of ['/declared', '/streamed', '/bomb']) {
      const error = await outboundError(
        outboundRequest({ url: `${server.url}${path}`, allowPrivateNetworks: true, maxBodyBytes: limit }),
      );
      expect(`${path}: ${error.code}`).toBe(`${path}: TOO_LARGE`);
    }
    const fine = await outboundRequest({ url: `${server.url}/ok`, allowPrivateNetworks: true, maxBodyBytes: limit });
    expect(fine.body.toString()).toBe('small and fine');
  });

  it('with discardBody, answers from the status and headers however large or slow the body is', async () => {
    const timers: NodeJS.Timeout[] = [];
    const server = await start((req, res) => {
      res.writeHead(200, { 'x-kind': req.url!.slice(1) });
      if (req.url === '/large') res.end(Buffer.alloc(2 * 1024 * 1024, 'a'));
      else timers.push(setInterval(() => res.write('.'), 50)); // never ends
    });
    try {
      for (const path of ['/large', '/endless']) {
        const response = await outboundRequest({
          url: `${server.url}${path}`,
          method: 'POST',
          body: '{}',
          allowPrivateNetworks: true,
          maxBodyBytes: 1024,
          timeoutMs: 500,
          discardBody: true,
        });
        expect([response.status, response.headers['x-kind'], response.body.length]).toEqual([200, path.slice(1), 0]);
      }
      // Without it, the same answers are errors.
      const large = await outboundError(
        outboundRequest({ url: `${server.url}/large`, allowPrivateNetworks: true, maxBodyBytes: 1024 }),
      );
      expect(large.code).toBe('TOO_LARGE');
    } finally {
      timers.forEach(clearInterval);
    }
  });

  it('ends at the deadline a server that never answers, and one that trickles its body', async () => {
    const timers: NodeJS.Timeout[] = [];
    const server = await start((req, res) => {
      if (req.url === '/silent') return; // accepts the request and says nothing
      res.writeHead(200, { 'content-type': 'application/rss+xml' });
      timers.push(setInterval(() => res.write('<'), 50)); // slow loris: one byte at a time, forever
    });
    try {
      for (const path of ['/silent', '/trickle']) {
        const error = await outboundError(
          outboundRequest({ url: `${server.url}${path}`, allowPrivateNetworks: true, timeoutMs: 500 }),
        );
        expect(`${path}: ${error.code}`).toBe(`${path}: TIMEOUT`);
      }
    } finally {
      timers.forEach(clearInterval);
    }
  });
});
