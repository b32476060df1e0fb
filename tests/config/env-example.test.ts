/**
 * .env.example lists exactly the variables packages/config reads, each with its real default, so
 * the file cannot fall behind the schema (or advertise a variable nothing reads).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { ENVIRONMENT_VARIABLES, environmentDefaults, parseConfig } from '@careerfeed/config';

const ROOT = path.join(__dirname, '..', '..');
const exampleText = fs.readFileSync(path.join(ROOT, '.env.example'), 'utf8');
const configSource = fs.readFileSync(path.join(ROOT, 'packages', 'config', 'src', 'config.ts'), 'utf8');

/** `# NAME=value` lines: every variable, commented out. */
const commentedOut = exampleText
  .split('\n')
  .map((line) => /^#\s?([A-Z][A-Z0-9_]*=.*)$/.exec(line)?.[1])
  .filter((line): line is string => line !== undefined);
const example = parseDotenv(commentedOut.join('\n'));
const exampleNames = commentedOut.map((line) => line.slice(0, line.indexOf('=')));

test('the config schema reads the variables everyone relies on', () => {
  // Guards the test itself: an empty list would make the comparisons below pass vacuously.
  expect(ENVIRONMENT_VARIABLES).toEqual(
    expect.arrayContaining(['DATA_DIR', 'DATABASE_URL', 'REDIS_URL', 'SMTP_URL', 'PUBLIC_BASE_URL', 'LOG_LEVEL']),
  );
});

test('every variable config.ts reads is in .env.example, and .env.example lists nothing else', () => {
  expect([...exampleNames].sort()).toEqual([...ENVIRONMENT_VARIABLES].sort());
});

test('no variable is listed twice', () => {
  expect(exampleNames.filter((name, i) => exampleNames.indexOf(name) !== i)).toEqual([]);
});

test('config.ts reads the environment only through its schema (no stray env.NAME outside it)', () => {
  const direct = [...configSource.matchAll(/\benv(?:\.|\[['"])([A-Z][A-Z0-9_]*)/g)].map((match) => match[1] ?? '');
  expect(direct.filter((name) => !ENVIRONMENT_VARIABLES.includes(name))).toEqual([]);
});

test('every variable is commented out, so copying the file to .env changes nothing', () => {
  const active = exampleText.split('\n').filter((line) => /^\s*[A-Z][A-Z0-9_]*\s*=/.test(line));
  expect(active).toEqual([]);
});

test('each value shown is the default config.ts applies (empty where there is none)', () => {
  const defaults = environmentDefaults();
  const shown = Object.fromEntries(ENVIRONMENT_VARIABLES.map((name) => [name, example[name] ?? '']));
  const expected = Object.fromEntries(ENVIRONMENT_VARIABLES.map((name) => [name, defaults[name] ?? '']));
  expect(shown).toEqual(expected);
});

test('the file, uncommented, is a valid configuration equal to the defaults', () => {
  expect(parseConfig(example, ROOT)).toEqual(parseConfig({}, ROOT));
});
