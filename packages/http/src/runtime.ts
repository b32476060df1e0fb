import { createServer, type RequestListener, type Server } from 'node:http';
import type { Logger } from 'pino';
import { redactSecrets } from '@careerfeed/config';

/** Serves `handler` (an express app, or a node request listener with one behind it). */
export function listen(handler: RequestListener, host: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer(handler);
    // Keep-alive longer than a typical proxy's idle timeout, so the proxy closes first and never
    // sends a request onto a socket we are closing.
    server.keepAliveTimeout = 65_000;
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

/**
 * Stops accepting connections and resolves once every open one has closed. Requests in progress
 * finish; a keep-alive connection becomes idle after its response and is closed then (swept every
 * 100 ms), rather than kept for the 65 s keep-alive timeout, which outlasted the shutdown grace
 * and made a SIGTERM under load exit 1.
 */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    const sweep = setInterval(() => server.closeIdleConnections(), 100);
    server.close(() => {
      clearInterval(sweep);
      resolve();
    });
    server.closeIdleConnections();
  });
}

/**
 * Runs `shutdown` once on SIGINT/SIGTERM (a second signal while shutting down forces exit), and
 * exits 0 when it finishes, 1 when it fails or takes longer than `graceMs`.
 */
export function handleShutdownSignals(logger: Logger, shutdown: () => Promise<void>, graceMs = 10_000): void {
  let shuttingDown = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (shuttingDown) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    shuttingDown = true;
    logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error({ graceMs }, 'shutdown took too long; exiting');
      process.exit(1);
    }, graceMs);
    timer.unref();
    shutdown().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // Only a signal ends a service. A promise nobody awaited that fails (a connection error surfacing
  // late, a library's background task) is logged as one structured line, not allowed to end the
  // process (Node's default) nor printed as an unstructured stack on stderr.
  process.on('unhandledRejection', (reason: unknown) => {
    logger.error({ err: reason }, 'unhandled promise rejection (logged; the service keeps running)');
  });
  // Started by `npm start` (with an IPC channel): if the launcher dies, stop too.
  if (process.send) process.on('disconnect', () => onSignal('SIGTERM'));
}

/** Prints a start-up failure as one readable line (a stack trace helps nobody with a bad port) and exits. */
export function exitOnStartupError(service: string, error: unknown): never {
  // A bad DATABASE_URL or REDIS_URL is quoted in the message: never with its password.
  const message = redactSecrets(error instanceof Error ? error.message : String(error));
  process.stderr.write(`${service}: cannot start: ${message}\n`);
  process.exit(1);
}
