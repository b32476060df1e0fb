import path from 'node:path';
import { ROOT, runNode } from '../helpers/processes';

/**
 * Only a signal ends a service: a promise rejection nobody handled is logged as one JSON line and
 * the process carries on (Node's default would end it with an unstructured stack on stderr).
 */
test('when a service meets an unhandled promise rejection, then it logs one structured line and keeps running', async () => {
  const http = path.join(ROOT, 'packages', 'http', 'dist', 'index.js');
  const script = `
    const { createLogger, handleShutdownSignals } = require(${JSON.stringify(http)});
    const logger = createLogger('probe', 'info');
    handleShutdownSignals(logger, async () => undefined);
    Promise.reject(new Error('late connection failure'));
    setTimeout(() => { process.stdout.write('STILL RUNNING\\n'); process.exit(0); }, 300);
  `;
  const result = await runNode(['-e', script], {});
  expect(result.code).toBe(0);
  expect(result.stdout).toContain('STILL RUNNING');
  const lines = result.stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { level: number; msg: string; err?: { message: string } });
  expect(lines).toEqual([
    expect.objectContaining({
      level: 50,
      msg: expect.stringMatching(/unhandled promise rejection/),
      err: expect.objectContaining({ message: 'late connection failure' }),
    }),
  ]);
  expect(result.stderr).toBe('');
});
