import type { Express, RequestHandler } from 'express';
import { Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { methodNotAllowed } from './problems';

export interface HealthCheck {
  name: string;
  check(): Promise<void>;
}

/** Each app gets its own registry, so several apps can live in one test process. */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}

const REQUEST_DURATION = 'http_request_duration_seconds';

/**
 * The registry's request-duration histogram (created on first use), for code that answers
 * requests before express sees them and records them under the same metric.
 */
export function httpRequestDuration(registry: Registry): Histogram<'method' | 'route' | 'status'> {
  const existing = registry.getSingleMetric(REQUEST_DURATION);
  if (existing) return existing as Histogram<'method' | 'route' | 'status'>;
  return new Histogram({
    name: REQUEST_DURATION,
    help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
}

export function httpMetrics(registry: Registry): RequestHandler {
  const duration = httpRequestDuration(registry);
  return (req, res, next) => {
    const end = duration.startTimer();
    res.on('finish', () => {
      // The route pattern, not the URL: unbounded label values would grow the registry forever.
      const route = req.route ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
      end({ method: req.method, route, status: String(res.statusCode) });
    });
    next();
  };
}

function withTimeout(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<void>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * GET /healthz: liveness, 200 while the process can answer (an orchestrator restarts it otherwise;
 * a database outage is no reason to). GET /readyz: readiness, 200 when every check passes, 503
 * naming the ones that fail (a load balancer sends no traffic meanwhile). GET /metrics.
 */
export function mountOperationalRoutes(app: Express, registry: Registry, checks: HealthCheck[]): void {
  app.get('/healthz', (_req, res) => {
    res.status(200).setHeader('Cache-Control', 'no-store').json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const results = await Promise.all(
      checks.map(async ({ name, check }) => {
        try {
          await withTimeout(check(), 2000);
          return [name, 'ok'] as const;
        } catch (error) {
          return [name, `down: ${error instanceof Error ? error.message : String(error)}`] as const;
        }
      }),
    );
    const ready = results.every(([, state]) => state === 'ok');
    res
      .status(ready ? 200 : 503)
      .setHeader('Cache-Control', 'no-store')
      .json({ status: ready ? 'ok' : 'unavailable', checks: Object.fromEntries(results) });
  });
  app.get('/metrics', async (_req, res) => {
    res.setHeader('Content-Type', registry.contentType);
    res.send(await registry.metrics());
  });
  app.all(['/healthz', '/readyz', '/metrics'], methodNotAllowed(['GET', 'HEAD']));
  readinessMetrics(registry, checks);
}

/**
 * `readiness_check_up{check}` and `service_ready`: the /readyz checks, run again at each scrape
 * (same time limit), so an alert can tell a process that answers but is not ready, which the
 * scrape's own `up` does not show.
 */
function readinessMetrics(registry: Registry, checks: HealthCheck[]): void {
  if (registry.getSingleMetric('service_ready')) return;
  let latest: Promise<boolean[]> | undefined;
  // Both gauges are collected in one scrape: they share one run of the checks.
  const run = (): Promise<boolean[]> => {
    latest ??= Promise.all(
      checks.map(({ check }) =>
        withTimeout(check(), 2000).then(
          () => true,
          () => false,
        ),
      ),
    ).finally(() => setImmediate(() => (latest = undefined)));
    return latest;
  };
  new Gauge({
    name: 'readiness_check_up',
    help: 'Each readiness check of /readyz: 1 passing, 0 failing',
    labelNames: ['check'] as const,
    registers: [registry],
    async collect() {
      const results = await run();
      checks.forEach(({ name }, i) => this.set({ check: name }, results[i] ? 1 : 0));
    },
  });
  new Gauge({
    name: 'service_ready',
    help: '1 when every readiness check passes (/readyz answers 200), else 0',
    registers: [registry],
    async collect() {
      this.set((await run()).every(Boolean) ? 1 : 0);
    },
  });
}

/**
 * The readiness checks every service shares: the database answers, Redis answers, and no Redis
 * connection, queue or worker of the process reported an error in the last few seconds.
 */
export function standardReadinessChecks(deps: {
  db: { ping(): Promise<void> };
  redis: { ping(): Promise<unknown> };
  redisErrors?: { recentFailures(): Record<string, string> };
}): HealthCheck[] {
  const checks: HealthCheck[] = [
    { name: 'database', check: () => deps.db.ping() },
    { name: 'redis', check: async () => void (await deps.redis.ping()) },
  ];
  const errors = deps.redisErrors;
  if (errors) {
    checks.push({
      name: 'queues',
      check: async () => {
        const failing = Object.entries(errors.recentFailures());
        if (failing.length > 0) throw new Error(failing.map(([source, message]) => `${source}: ${message}`).join('; '));
      },
    });
  }
  return checks;
}
