#!/usr/bin/env node
// Runs `tsc -b` only when something it compiles from changed since its last successful run.
//
//   node scripts/build-if-stale.js [--root DIR]    DIR: the repository (default: this script's parent)
//
// `npm start`, `npm run cli` and `npm run bench:*` call this first. `tsc -b` alone finds an
// up-to-date tree in about 0.2 s (it loads the compiler to find out); this finds it by comparing
// modification times, in tens of milliseconds, and stays quiet when there is nothing to do.
//
// Inputs: for each project referenced by DIR/tsconfig.json, its src/ tree (files and folders, so a
// deletion counts), tsconfig*.json and package.json; at the root, tsconfig*.json, package.json and
// node_modules/.package-lock.json (npm rewrites it on every install). A build is due when the stamp
// is missing, a project has no dist/, the root tsconfig.json cannot be read, or any input was
// modified at or after the start of the last successful build. A missing dist/ means
// `tsc -b --force`: tsc -b alone trusts its .tsbuildinfo files and leaves dist/ missing.
//
// The stamp lives in node_modules/.cache, so a fresh `npm ci` also means a fresh build. A file whose
// modification time was set to the past (`cp -p`, `tar x`) is not seen: run `npm run build` then.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

function parseRoot(argv) {
  const at = argv.indexOf('--root');
  if (at === -1) return path.resolve(__dirname, '..');
  const value = argv[at + 1];
  if (!value) {
    process.stderr.write('usage: build-if-stale.js [--root DIR]\n');
    process.exit(2);
  }
  return path.resolve(value);
}

function mtimeMs(file) {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

/** The first entry under `dir` (the folder itself included) modified at or after `since`, if any. */
function changedUnder(dir, since) {
  let entries;
  try {
    if (fs.statSync(dir).mtimeMs >= since) return dir;
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return undefined;
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    const found = entry.isDirectory() ? changedUnder(full, since) : (mtimeMs(full) ?? 0) >= since ? full : undefined;
    if (found) return found;
  }
  return undefined;
}

function configFiles(dir) {
  try {
    return fs
      .readdirSync(dir)
      .filter((name) => /^tsconfig.*\.json$/.test(name) || name === 'package.json')
      .map((name) => path.join(dir, name));
  } catch {
    return [];
  }
}

/** Why a build is due (and whether it must be forced), or undefined when the last one is current. */
function staleReason(root, stampFile) {
  let stamp;
  try {
    stamp = JSON.parse(fs.readFileSync(stampFile, 'utf8'));
  } catch {
    return 'no record of a previous build';
  }
  const since = Number(stamp.startedAt);
  if (!Number.isFinite(since)) return 'unreadable build record';

  let projects;
  try {
    const tsconfig = JSON.parse(fs.readFileSync(path.join(root, 'tsconfig.json'), 'utf8'));
    projects = (tsconfig.references ?? []).map((ref) => path.resolve(root, ref.path));
  } catch {
    return 'tsconfig.json is not plain JSON';
  }

  const rootInputs = [...configFiles(root), path.join(root, 'node_modules', '.package-lock.json')];
  for (const file of rootInputs) {
    if ((mtimeMs(file) ?? 0) >= since) return `${path.relative(root, file)} changed`;
  }
  for (const project of projects) {
    // tsc -b trusts its .tsbuildinfo and does not notice a deleted dist/: only --force rebuilds it.
    if (!fs.existsSync(path.join(project, 'dist')))
      return { text: `${path.relative(root, project)}/dist is missing`, force: true };
    for (const file of configFiles(project)) {
      if ((mtimeMs(file) ?? 0) >= since) return `${path.relative(root, file)} changed`;
    }
    const changed = changedUnder(path.join(project, 'src'), since);
    if (changed) return `${path.relative(root, changed)} changed`;
  }
  return undefined;
}

function main() {
  const root = parseRoot(process.argv.slice(2));
  const stampFile = path.join(root, 'node_modules', '.cache', 'careerfeed', 'build-stamp.json');
  const found = staleReason(root, stampFile);
  if (found === undefined) return;
  const reason = typeof found === 'string' ? { text: found, force: false } : found;
  const args = reason.force ? ['-b', '--force'] : ['-b'];

  process.stderr.write(`build-if-stale: ${reason.text}; running tsc ${args.join(' ')}\n`);
  // Taken before compiling: a file saved during the build is newer than the stamp, so it counts next time.
  const startedAt = Date.now();
  const tsc = require.resolve('typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, ...args], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    fs.rmSync(stampFile, { force: true });
    process.exit(result.status ?? 1);
  }
  fs.mkdirSync(path.dirname(stampFile), { recursive: true });
  fs.writeFileSync(stampFile, `${JSON.stringify({ startedAt })}\n`);
}

main();
