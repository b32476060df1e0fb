/** `npm run cli -- --help` answers at once: usage only, no configuration, no database, no Redis. */
import { runCli } from '../helpers/processes';

// Both would stop any real command with exit code 2; usage must not care.
const BROKEN_ENV = { REDIS_URL: 'not a url', DATABASE_URL: 'mysql://nowhere' };

test.each([[['--help']], [['-h']], [['help']], [[]]])(
  'when the CLI is run with %j, then it prints the usage and exits 0 even with a broken configuration',
  async (args) => {
    const result = await runCli(args, BROKEN_ENV);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: npm run cli -- <command>/);
    expect(result.stdout).toContain('keys create --name NAME');
    expect(result.stderr).toBe('');
  },
);

test('when a real command is run with a broken configuration, then it exits 2 naming the bad variables', async () => {
  const result = await runCli(['keys', 'list'], BROKEN_ENV);
  expect(result.code).toBe(2);
  expect(result.stderr).toContain('REDIS_URL');
  expect(result.stderr).toContain('DATABASE_URL');
});
