import { Cleanup } from './cleanup';
import { describeError } from './errors';

/**
 * The life of a bench command: settings read first (a bad one is exit 2 with every problem
 * named), then `measure` with a clean-up that runs whatever happens — on return, on an error
 * (exit 1, the error on stderr), and on Ctrl-C or SIGTERM (exit 130). Once everything is closed,
 * a library still holding a handle cannot hang the command past 5 s.
 */
export function runBench<S>(
  readSettings: (env: NodeJS.ProcessEnv) => S,
  note: (message: string) => void,
  measure: (settings: S, cleanup: Cleanup) => Promise<void>,
): void {
  void run(readSettings, note, measure).then((code) => {
    process.exitCode = code;
    setTimeout(() => process.exit(code), 5000).unref();
  });
}

async function run<S>(
  readSettings: (env: NodeJS.ProcessEnv) => S,
  note: (message: string) => void,
  measure: (settings: S, cleanup: Cleanup) => Promise<void>,
): Promise<number> {
  let settings: S;
  try {
    settings = readSettings(process.env);
  } catch (error) {
    note(describeError(error));
    return 2;
  }
  const cleanup = new Cleanup();
  process.once('exit', () => cleanup.runSyncFallback());
  const stop = () => void cleanup.runAll().finally(() => process.exit(130));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await measure(settings, cleanup);
    return 0;
  } catch (error) {
    note(describeError(error));
    return 1;
  } finally {
    await cleanup.runAll();
  }
}
