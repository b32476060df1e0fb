/**
 * scripts/build-if-stale.js, run for real on a tiny TypeScript project in a temp folder: the
 * second run of an unchanged tree must not start tsc, and every kind of change must.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const SCRIPT = path.join(__dirname, '..', '..', 'scripts', 'build-if-stale.js');

let root: string;

function write(relativePath: string, text: string): void {
  const file = path.join(root, relativePath);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

function read(relativePath: string): string {
  return fs.readFileSync(path.join(root, relativePath), 'utf8');
}

function build(): { code: number | null; stderr: string } {
  const result = spawnSync(process.execPath, [SCRIPT, '--root', root], { encoding: 'utf8' });
  return { code: result.status, stderr: result.stderr + result.stdout };
}

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'careerfeed-build-if-stale-'));
  write('tsconfig.json', JSON.stringify({ files: [], references: [{ path: 'packages/a' }] }));
  write(
    'packages/a/tsconfig.json',
    JSON.stringify({
      compilerOptions: {
        composite: true,
        rootDir: 'src',
        outDir: 'dist',
        module: 'commonjs',
        target: 'ES2022',
        types: [],
        strict: true,
      },
      include: ['src'],
    }),
  );
  write('packages/a/src/index.ts', "export const greeting: string = 'one';\n");
});

afterEach(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

test('when nothing changed since the last build, then the second run is silent and does not start tsc', () => {
  const first = build();
  expect(first).toEqual({ code: 0, stderr: expect.stringContaining('no record of a previous build; running tsc -b') });
  expect(read('packages/a/dist/index.js')).toContain("'one'");

  const second = build();
  expect(second).toEqual({ code: 0, stderr: '' });
});

test('when a source file is edited, added or the output is deleted, then it compiles again', () => {
  expect(build().code).toBe(0);

  write('packages/a/src/index.ts', "export const greeting: string = 'two';\n");
  expect(build()).toEqual({ code: 0, stderr: expect.stringContaining('packages/a/src/index.ts changed') });
  expect(read('packages/a/dist/index.js')).toContain("'two'");
  expect(build()).toEqual({ code: 0, stderr: '' });

  write('packages/a/src/extra.ts', 'export const extra = 1;\n');
  expect(build()).toEqual({ code: 0, stderr: expect.stringContaining('running tsc -b') });
  expect(read('packages/a/dist/extra.js')).toContain('extra = 1');

  fs.rmSync(path.join(root, 'packages/a/dist'), { recursive: true });
  expect(build()).toEqual({ code: 0, stderr: expect.stringContaining('packages/a/dist is missing') });
  expect(read('packages/a/dist/index.js')).toContain("'two'");
  expect(build()).toEqual({ code: 0, stderr: '' });
});

test('when tsc fails, then the exit code says so and the next run tries again', () => {
  expect(build().code).toBe(0);
  write('packages/a/src/index.ts', 'export const greeting: number = "not a number";\n');
  const failed = build();
  expect(failed.code).not.toBe(0);
  expect(failed.stderr).toContain('TS2322');
  const again = build();
  expect(again.code).not.toBe(0);
  expect(again.stderr).toContain('no record of a previous build');
});
