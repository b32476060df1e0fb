import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface ReceivedWebhook {
  path: string;
  msgId: string;
  /** The `webhook-timestamp` header, seconds. */
  timestamp: number;
  /** When the request arrived (ms). */
  receivedAt: number;
  body: string;
  /** Whether the official Standard Webhooks verifier accepted it with the path's secret. */
  verified: boolean;
  /** The three Standard Webhooks headers as received, to verify with other secrets. */
  headers: Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string>;
  status: number | 'hung';
}

/** What a path answers to the n-th request (1-based) of one message (`request`: which message). */
export type Behaviour = (
  attempt: number,
  request: { msgId: string; body: string },
) =>
  | {
      status: number;
      headers?: Record<string, string>;
      /** Answer this much later (a slow receiver). */
      delayMs?: number;
    }
  | 'hang';

export interface WebhookReceiver {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  received: ReceivedWebhook[];
  /** Sets what a path answers and the secret its requests are verified with. */
  route(path: string, secret: string, behaviour?: Behaviour): void;
  /** The requests of one path that were answered 2xx. */
  deliveredTo(path: string): ReceivedWebhook[];
  /** Stops listening (connections refused, as a receiver that is down), keeping what it received. */
  down(): Promise<void>;
  /** Listens again on the same port. */
  up(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A webhook receiver in the test process: a node http server on a free port that verifies every
 * request with the official `standardwebhooks` library, records it and answers as told per path.
 */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const routes = new Map<string, { secret: string; behaviour: Behaviour }>();
  const attempts = new Map<string, number>();
  const hanging = new Set<http.ServerResponse>();
  const received: ReceivedWebhook[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0]!;
      const body = Buffer.concat(chunks).toString('utf8');
      const msgId = String(req.headers['webhook-id'] ?? '');
      const route = routes.get(path);
      const headers = {
        'webhook-id': msgId,
        'webhook-timestamp': String(req.headers['webhook-timestamp'] ?? ''),
        'webhook-signature': String(req.headers['webhook-signature'] ?? ''),
      };
      let verified = false;
      if (route) {
        try {
          new Webhook(route.secret).verify(body, headers);
          verified = true;
        } catch {
          verified = false;
        }
      }
      const key = `${path} ${msgId}`;
      const attempt = (attempts.get(key) ?? 0) + 1;
      attempts.set(key, attempt);
      const answer = route ? route.behaviour(attempt, { msgId, body }) : { status: 404 };
      received.push({
        path,
        msgId,
        timestamp: Number(req.headers['webhook-timestamp']),
        receivedAt: Date.now(),
        body,
        verified,
        headers,
        status: answer === 'hang' ? 'hung' : answer.status,
      });
      if (answer === 'hang') {
        hanging.add(res);
        return;
      }
      const reply = () => {
        hanging.delete(res);
        if (!res.destroyed) res.writeHead(answer.status, answer.headers ?? {}).end();
      };
      if (answer.delayMs) {
        // Counted as received now: a slow receiver has the message before it answers.
        hanging.add(res);
        setTimeout(reply, answer.delayMs);
      } else reply();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const stop = async (): Promise<void> => {
    if (!server.listening) return;
    for (const res of hanging) res.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return {
    origin: `http://127.0.0.1:${port}`,
    received,
    route: (path, secret, behaviour = () => ({ status: 204 })) => void routes.set(path, { secret, behaviour }),
    deliveredTo: (path) =>
      received.filter((r) => r.path === path && typeof r.status === 'number' && r.status >= 200 && r.status < 300),
    down: stop,
    up: () => new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve)),
    close: stop,
  };
}
