/**
 * docker-compose.yml and the Dockerfile against the public interface (docs/contract.md).
 *
 * No Docker engine runs where the tests run, so these read the files rather than start
 * containers: they catch a wrong port, a variable the services don't know, a dependency on a
 * service that doesn't exist, or an image that runs as root — the mistakes that otherwise only
 * show up on someone's laptop during `docker compose up`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

const repoRoot = path.join(__dirname, '..');
const contractFile = 'docs/contract.md';

type Dict = Record<string, unknown>;

function isDict(value: unknown): value is Dict {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `{ file, exists }`, so a failing expectation names the missing file. */
function repoFile(relativePath: string): { file: string; exists: boolean } {
  return { file: relativePath, exists: fs.existsSync(path.join(repoRoot, relativePath)) };
}

function readRepoFile(relativePath: string): string {
  return fs.readFileSync(path.join(repoRoot, relativePath), 'utf8');
}

// ---------------------------------------------------------------------------------------------
// docker-compose.yml

// `merge: true` resolves the `<<: *anchor` merge keys the file uses, as Compose itself does.
const compose: unknown = parse(readRepoFile('docker-compose.yml'), { merge: true });

function services(): Dict {
  if (!isDict(compose) || !isDict(compose.services)) {
    throw new Error('docker-compose.yml has no `services:` map');
  }
  return compose.services;
}

function service(name: string): Dict {
  const found = services()[name];
  if (!isDict(found)) throw new Error(`docker-compose.yml defines no service "${name}"`);
  return found;
}

/** `environment:` in either map or `KEY=value` list form. */
function environmentOf(svc: Dict): Record<string, string> {
  const env = svc.environment;
  if (env === undefined) return {};
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((entry) => {
        const text = String(entry);
        const eq = text.indexOf('=');
        return eq === -1 ? [text, ''] : [text.slice(0, eq), text.slice(eq + 1)];
      }),
    );
  }
  if (isDict(env)) {
    return Object.fromEntries(Object.entries(env).map(([key, value]) => [key, value === null ? '' : String(value)]));
  }
  throw new Error(`unexpected environment: ${JSON.stringify(env)}`);
}

interface PortMapping {
  published: number | undefined;
  target: number;
}

/** `ports:` in short ("[ip:]published:target[/proto]") or long ({target, published}) syntax. */
function portsOf(svc: Dict): PortMapping[] {
  const ports = svc.ports;
  if (ports === undefined) return [];
  if (!Array.isArray(ports)) throw new Error(`unexpected ports: ${JSON.stringify(ports)}`);
  return ports.map((port: unknown): PortMapping => {
    if (isDict(port)) {
      return {
        published: port.published === undefined ? undefined : Number(port.published),
        target: Number(port.target),
      };
    }
    const parts = String(port)
      .replace(/\/(tcp|udp)$/, '')
      .split(':');
    const target = Number(parts[parts.length - 1]);
    const published = parts.length > 1 ? Number(parts[parts.length - 2]) : undefined;
    return { published, target };
  });
}

/** `depends_on:` as dependency → condition; the list form means `service_started`. */
function dependenciesOf(svc: Dict): Record<string, string> {
  const deps = svc.depends_on;
  if (deps === undefined) return {};
  if (Array.isArray(deps)) return Object.fromEntries(deps.map((name) => [String(name), 'service_started']));
  if (isDict(deps)) {
    return Object.fromEntries(
      Object.entries(deps).map(([name, spec]) => [
        name,
        isDict(spec) && typeof spec.condition === 'string' ? spec.condition : 'service_started',
      ]),
    );
  }
  throw new Error(`unexpected depends_on: ${JSON.stringify(deps)}`);
}

/** `command:` (or a healthcheck `test:`) as an argv array. */
function argvOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value === 'string') return value.trim().split(/\s+/);
  return [];
}

const MAIL_CATCHER_IMAGE = /(^|\/)(mailpit|mailhog|maildev|smtp4dev)(:|$)/;

function mailCatcherName(): string {
  const name = Object.keys(services()).find((candidate) => {
    const image = service(candidate).image;
    return typeof image === 'string' && MAIL_CATCHER_IMAGE.test(image);
  });
  if (name === undefined) throw new Error('docker-compose.yml has no mail catcher (mailpit, mailhog, …) service');
  return name;
}

/** `publishedBy`: the service that publishes the contract port for it (readers reach the feeds through nginx). */
const APP_SERVICES = [
  { name: 'ingest', port: 3001, portVariable: 'INGEST_PORT', publishedBy: 'ingest' },
  { name: 'feed', port: 3002, portVariable: 'FEED_PORT', publishedBy: 'nginx' },
  { name: 'worker', port: 3003, portVariable: 'WORKER_PORT', publishedBy: 'worker' },
] as const;

// ---------------------------------------------------------------------------------------------
// The contract's configuration variables

// Understood by packages/config (REDIS_PREFIX, LOG_LEVEL) or by Node itself (NODE_ENV).
// TRUST_PROXY: the feed service sits behind nginx in the compose file.
const EXTRA_VARIABLES = ['REDIS_PREFIX', 'LOG_LEVEL', 'NODE_ENV', 'TRUST_PROXY', 'FEED_CACHE_REFRESH_URL'];

/** The names in the first column of the contract's "## Configuration" table. */
function readContractVariables(): { names: string[]; source: string } {
  const markdown = readRepoFile(contractFile);
  const section = markdown.split(/^## /m).find((part) => part.startsWith('Configuration')) ?? '';
  const names = section
    .split('\n')
    .filter((line) => line.trimStart().startsWith('|'))
    .flatMap((row) => [...(row.split('|')[1] ?? '').matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((match) => match[1] ?? ''));
  return { names, source: contractFile };
}

const contractVariables = readContractVariables();

// ---------------------------------------------------------------------------------------------
// Dockerfile

interface Instruction {
  keyword: string;
  args: string;
}

/** Instructions with line continuations joined and comments dropped. */
function dockerfileInstructions(text: string): Instruction[] {
  const logicalLines: string[] = [];
  let pending = '';
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    if (line.startsWith('#') || (line === '' && pending === '')) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    logicalLines.push(pending + line);
    pending = '';
  }
  if (pending !== '') logicalLines.push(pending);
  return logicalLines
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const match = /^(\S+)\s*(.*)$/.exec(line.trim());
      return { keyword: (match?.[1] ?? '').toUpperCase(), args: match?.[2] ?? '' };
    });
}

const instructions = dockerfileInstructions(readRepoFile('Dockerfile'));

/** Global `ARG NAME=default`s (before the first FROM), which FROM lines may use. */
function globalArgs(): Record<string, string> {
  const args: Record<string, string> = {};
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') break;
    if (instruction.keyword !== 'ARG') continue;
    const [name, value] = instruction.args.split('=', 2);
    if (name !== undefined && value !== undefined) args[name.trim()] = value.trim().replace(/^"(.*)"$/, '$1');
  }
  return args;
}

interface Stage {
  image: string;
  name: string | undefined;
  instructions: Instruction[];
}

function stages(): Stage[] {
  const args = globalArgs();
  const result: Stage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const words = instruction.args.split(/\s+/).filter((word) => !word.startsWith('--'));
      const image = (words[0] ?? '').replace(/\$\{?(\w+)\}?/g, (_, name: string) => args[name] ?? '');
      const asIndex = words.findIndex((word) => word.toUpperCase() === 'AS');
      result.push({ image, name: asIndex === -1 ? undefined : words[asIndex + 1], instructions: [] });
    } else {
      result[result.length - 1]?.instructions.push(instruction);
    }
  }
  return result;
}

function runtimeStage(): Stage {
  const all = stages();
  const last = all[all.length - 1];
  if (last === undefined) throw new Error('the Dockerfile has no FROM');
  return last;
}

/** Sources of a COPY/ADD instruction (flags and the destination removed). */
function copySources(instruction: Instruction): string[] {
  const trimmed = instruction.args.trim();
  const words = trimmed.startsWith('[')
    ? (JSON.parse(trimmed) as string[])
    : trimmed.split(/\s+/).filter((word) => !word.startsWith('--'));
  return words.slice(0, -1);
}

function copyFromFlag(instruction: Instruction): string | undefined {
  return /--from=(\S+)/.exec(instruction.args)?.[1];
}

/** A JSON-array (exec form) or shell-form CMD as argv. */
function cmdArgv(instruction: Instruction): string[] {
  const trimmed = instruction.args.trim();
  return trimmed.startsWith('[') ? (JSON.parse(trimmed) as string[]) : ['/bin/sh', '-c', trimmed];
}

/** `ENV A=1 B=2` and legacy `ENV A 1` forms, merged in order. */
function envOf(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const instruction of stage.instructions.filter((i) => i.keyword === 'ENV')) {
    if (!instruction.args.includes('=')) {
      const [name, ...rest] = instruction.args.split(/\s+/);
      if (name !== undefined) env[name] = rest.join(' ');
      continue;
    }
    for (const match of instruction.args.matchAll(/(\w+)=("([^"]*)"|\S*)/g)) {
      env[match[1] ?? ''] = match[3] ?? match[2] ?? '';
    }
  }
  return env;
}

const rootPackage = JSON.parse(readRepoFile('package.json')) as { workspaces?: string[] };
const workspaces = rootPackage.workspaces ?? [];

// =============================================================================================

describe('docker-compose.yml: services', () => {
  test('uses the Compose Specification format, without the obsolete `version:` key', () => {
    expect(isDict(compose)).toBe(true);
    expect(isDict(compose) && 'version' in compose).toBe(false);
  });

  test.each(['redis', 'postgres', 'ingest', 'feed', 'worker', 'migrate'])('defines the service "%s"', (name) => {
    expect(Object.keys(services())).toContain(name);
  });

  test('defines a mail catcher that accepts SMTP on port 1025', () => {
    const ports = portsOf(service(mailCatcherName()));
    expect(ports).toContainEqual({ published: 1025, target: 1025 });
  });

  test('ingest and the worker share one DATA_DIR volume, where the default webhook secrets key lives', () => {
    const mountsOf = (name: string) => {
      const svc = service(name);
      return Array.isArray(svc.volumes) ? svc.volumes.map(String) : [];
    };
    const dataMount = mountsOf('ingest').find((m) => m.endsWith(':/data'));
    expect(dataMount).toBeDefined();
    expect(mountsOf('worker')).toContain(dataMount);
    const named = isDict(compose) && isDict(compose.volumes) ? Object.keys(compose.volumes) : [];
    expect(named).toContain(dataMount!.split(':')[0]);
  });

  test('redis keeps its jobs across restarts and never evicts them (append-only file, noeviction, a volume)', () => {
    const redis = service('redis');
    const command = argvOf(redis.command);
    expect(command).toEqual(expect.arrayContaining(['--appendonly', 'yes']));
    expect(command).toEqual(expect.arrayContaining(['--maxmemory-policy', 'noeviction']));
    expect(redis.volumes).toEqual(expect.arrayContaining([expect.stringMatching(/:\/data$/)]));
  });

  test('redis is checked healthy with `redis-cli ping`', () => {
    const redis = service('redis');
    expect(redis.image).toMatch(/^redis:/);
    const check = isDict(redis.healthcheck) ? argvOf(redis.healthcheck.test) : [];
    expect(check).toEqual(expect.arrayContaining(['redis-cli', 'ping']));
  });

  test('postgres sets its user, password and database, keeps data in a named volume and is checked with pg_isready', () => {
    const postgres = service('postgres');
    expect(postgres.image).toMatch(/^postgres:/);
    const env = environmentOf(postgres);
    expect(env.POSTGRES_USER).toBeTruthy();
    expect(env.POSTGRES_PASSWORD).toBeTruthy();
    expect(env.POSTGRES_DB).toBeTruthy();
    const namedVolumes = isDict(compose) && isDict(compose.volumes) ? Object.keys(compose.volumes) : [];
    const mounts = Array.isArray(postgres.volumes) ? postgres.volumes.map(String) : [];
    expect(mounts.some((mount) => namedVolumes.includes(mount.split(':')[0] ?? ''))).toBe(true);
    const check = isDict(postgres.healthcheck) ? argvOf(postgres.healthcheck.test).join(' ') : '';
    expect(check).toContain('pg_isready');
  });

  test('migrate runs `services/cli/dist/main.js migrate` once, after postgres is healthy, and is never restarted', () => {
    const migrate = service('migrate');
    expect(argvOf(migrate.command)).toEqual(['node', 'services/cli/dist/main.js', 'migrate']);
    expect(migrate.restart).toBe('no');
    expect(dependenciesOf(migrate).postgres).toBe('service_healthy');
    expect(repoFile('services/cli/src/main.ts')).toEqual({ file: 'services/cli/src/main.ts', exists: true });
  });

  test('every depends_on target is a service defined in the file', () => {
    const defined = Object.keys(services());
    const edges = Object.entries(services()).flatMap(([name, svc]) =>
      Object.keys(isDict(svc) ? dependenciesOf(svc) : {}).map((target) => `${name} -> ${target}`),
    );
    expect(edges.length).toBeGreaterThan(0);
    const dangling = edges.filter((edge) => !defined.includes(edge.split(' -> ')[1] ?? ''));
    expect(dangling).toEqual([]);
  });
});

describe.each(APP_SERVICES)('docker-compose.yml: $name', ({ name, port, portVariable, publishedBy }) => {
  test(`is built from the repository's Dockerfile`, () => {
    const build = service(name).build;
    const context = isDict(build) ? build.context : build;
    expect(context).toBe('.');
  });

  test(`the contract port ${port} is published on the host, by ${publishedBy}`, () => {
    if (publishedBy === name) {
      expect(portsOf(service(name))).toEqual([{ published: port, target: port }]);
    } else {
      expect(portsOf(service(name))).toEqual([]);
      expect(portsOf(service(publishedBy))).toEqual([{ published: port, target: 80 }]);
    }
  });

  test(`sets ${portVariable}=${port} and binds HOST=0.0.0.0`, () => {
    const env = environmentOf(service(name));
    expect(env[portVariable]).toBe(String(port));
    expect(env.HOST).toBe('0.0.0.0');
  });

  test('DATABASE_URL is a postgres:// URL for the compose postgres service with its POSTGRES_USER, POSTGRES_PASSWORD and POSTGRES_DB', () => {
    const databaseUrl = environmentOf(service(name)).DATABASE_URL ?? '';
    expect(databaseUrl).toMatch(/^postgres:\/\//);
    const url = new URL(databaseUrl);
    const postgresEnv = environmentOf(service('postgres'));
    expect(url.hostname).toBe('postgres');
    expect(url.port === '' || url.port === '5432').toBe(true);
    expect(decodeURIComponent(url.username)).toBe(postgresEnv.POSTGRES_USER);
    expect(decodeURIComponent(url.password)).toBe(postgresEnv.POSTGRES_PASSWORD);
    expect(decodeURIComponent(url.pathname.slice(1))).toBe(postgresEnv.POSTGRES_DB);
  });

  test('REDIS_URL points at the compose redis service', () => {
    const url = new URL(environmentOf(service(name)).REDIS_URL ?? 'missing:');
    expect(url.protocol).toBe('redis:');
    expect(url.hostname).toBe('redis');
    expect(url.port === '' || url.port === '6379').toBe(true);
  });

  test(`SMTP_URL points at the mail catcher's SMTP port 1025`, () => {
    const url = new URL(environmentOf(service(name)).SMTP_URL ?? 'missing:');
    expect(url.protocol).toBe('smtp:');
    expect(url.hostname).toBe(mailCatcherName());
    expect(url.port).toBe('1025');
  });

  test('starts only once redis and postgres are healthy and migrate has completed', () => {
    const deps = dependenciesOf(service(name));
    expect(deps.redis).toBe('service_healthy');
    expect(deps.postgres).toBe('service_healthy');
    expect(deps.migrate).toBe('service_completed_successfully');
  });

  test(`runs services/${name}/dist/main.js, compiled from services/${name}/src/main.ts`, () => {
    expect(argvOf(service(name).command)).toEqual(['node', `services/${name}/dist/main.js`]);
    const source = `services/${name}/src/main.ts`;
    expect(repoFile(source)).toEqual({ file: source, exists: true });
  });

  test(`its healthcheck calls GET /healthz on port ${port}`, () => {
    const healthcheck = service(name).healthcheck;
    const check = isDict(healthcheck) ? argvOf(healthcheck.test).join(' ') : '';
    expect(check).toContain(`http://127.0.0.1:${port}/healthz`);
  });
});

describe('docker-compose.yml: nginx in front of the feed service', () => {
  const conf = readRepoFile('deploy/nginx/careerfeed.conf');

  test('mounts deploy/nginx/careerfeed.conf in place of the image’s default server, and a volume for its cache', () => {
    const mounts = (service('nginx').volumes as unknown[]).map(String);
    expect(mounts).toContain('./deploy/nginx/careerfeed.conf:/etc/nginx/conf.d/default.conf:ro');
    expect(mounts.some((mount) => mount.endsWith(':/var/cache/nginx'))).toBe(true);
  });

  test('the configuration proxies to the compose feed service on its FEED_PORT, listens on 80, and caches under /var/cache/nginx', () => {
    expect(conf).toContain(`server feed:${environmentOf(service('feed')).FEED_PORT};`);
    expect(conf).toMatch(/^\s*listen 80;/m);
    expect(conf).toMatch(/proxy_cache_path \/var\/cache\/nginx\//);
  });

  test('its refresh server (FEED_CACHE_REFRESH_URL) listens on a port the compose network reaches and the host does not', () => {
    const refresh = new URL(environmentOf(service('worker')).FEED_CACHE_REFRESH_URL ?? 'missing:');
    expect(refresh.hostname).toBe('nginx');
    expect(conf).toMatch(new RegExp(`^\\s*listen ${refresh.port};`, 'm'));
    for (const name of ['ingest', 'feed', 'worker']) {
      expect(environmentOf(service(name)).FEED_CACHE_REFRESH_URL).toBe(refresh.href.replace(/\/$/, ''));
    }
    const published = Object.values(services()).flatMap((svc) => (isDict(svc) ? portsOf(svc) : []));
    expect(published.map((port) => port.published)).not.toContain(Number(refresh.port));
    expect(portsOf(service('nginx'))).toEqual([{ published: 3002, target: 80 }]);
  });

  test('starts once the feed service is healthy; the feed service trusts its X-Forwarded-For', () => {
    expect(service('nginx').depends_on).toEqual({ feed: { condition: 'service_healthy' } });
    expect(environmentOf(service('feed')).TRUST_PROXY).toBe('true');
  });
});

describe(`docker-compose.yml: configuration (variables from ${contractVariables.source})`, () => {
  test('the contract lists the configuration variables', () => {
    expect(contractVariables.names).toEqual(
      expect.arrayContaining([
        'DATABASE_URL',
        'REDIS_URL',
        'SMTP_URL',
        'HOST',
        'INGEST_PORT',
        'FEED_PORT',
        'WORKER_PORT',
      ]),
    );
  });

  test('every variable set on a careerfeed service is one the contract (or REDIS_PREFIX, LOG_LEVEL, NODE_ENV) defines', () => {
    const allowed = new Set([...contractVariables.names, ...EXTRA_VARIABLES]);
    const careerfeedServices = Object.entries(services()).filter(([, svc]) => isDict(svc) && svc.build !== undefined);
    expect(careerfeedServices.map(([name]) => name)).toEqual(expect.arrayContaining(['ingest', 'feed', 'worker']));
    const unknown = careerfeedServices.flatMap(([name, svc]) =>
      Object.keys(environmentOf(svc as Dict))
        .filter((variable) => !allowed.has(variable))
        .map((variable) => `${name}: ${variable}`),
    );
    expect(unknown).toEqual([]);
  });
});

describe('Dockerfile', () => {
  test('builds in one stage and runs from a separate Node 20 stage', () => {
    const all = stages();
    expect(all.length).toBeGreaterThanOrEqual(2);
    expect(runtimeStage().image).toMatch(/^node:20[.-]/);
  });

  test('copies every workspace package.json (and the lockfile) before `npm ci`, so the install layer is cached', () => {
    const buildStage = stages().find((stage) =>
      stage.instructions.some((i) => i.keyword === 'RUN' && /\bnpm ci\b/.test(i.args)),
    );
    expect(buildStage).toBeDefined();
    const beforeInstall = buildStage?.instructions ?? [];
    const npmCi = beforeInstall.findIndex((i) => i.keyword === 'RUN' && /\bnpm ci\b/.test(i.args));
    const copied = beforeInstall
      .slice(0, npmCi)
      .filter((i) => i.keyword === 'COPY')
      .flatMap(copySources)
      .map((source) => source.replace(/^\.\//, ''));
    const required = ['package.json', 'package-lock.json', ...workspaces.map((ws) => `${ws}/package.json`)];
    expect(workspaces.length).toBeGreaterThan(0);
    expect(required.filter((file) => !copied.includes(file))).toEqual([]);
  });

  test('the runtime stage copies the compiled dist/ of every package and service', () => {
    const runtime = runtimeStage();
    const copiedFromBuild = runtime.instructions
      .filter((i) => i.keyword === 'COPY' && copyFromFlag(i) !== undefined)
      .flatMap(copySources)
      .map((source) => source.replace(/^\/app\//, '').replace(/\/+$/, ''));
    const runtimeWorkspaces = workspaces.filter((ws) => /^(packages|services)\//.test(ws));
    expect(runtimeWorkspaces.length).toBeGreaterThan(0);
    const missing = runtimeWorkspaces.filter(
      (ws) => !copiedFromBuild.some((source) => `${ws}/dist` === source || `${ws}/dist`.startsWith(`${source}/`)),
    );
    expect(missing).toEqual([]);
  });

  test('the runtime stage does not run as root', () => {
    const users = runtimeStage().instructions.filter((i) => i.keyword === 'USER');
    const user = users[users.length - 1]?.args.split(':')[0]?.trim();
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
  });

  test('the runtime stage exposes the contract ports 3001, 3002 and 3003', () => {
    const exposed = runtimeStage()
      .instructions.filter((i) => i.keyword === 'EXPOSE')
      .flatMap((i) => i.args.split(/\s+/))
      .map((port) => Number(port.replace(/\/tcp$/, '')));
    expect(exposed).toEqual(expect.arrayContaining([3001, 3002, 3003]));
  });

  test('the runtime stage binds 0.0.0.0, runs in production mode and keeps state in /data', () => {
    const env = envOf(runtimeStage());
    expect(env).toMatchObject({ NODE_ENV: 'production', HOST: '0.0.0.0', DATA_DIR: '/data' });
  });

  test('by default the image runs the ingest service', () => {
    const cmds = runtimeStage().instructions.filter((i) => i.keyword === 'CMD');
    const cmd = cmds[cmds.length - 1];
    expect(cmd && cmdArgv(cmd)).toEqual(['node', 'services/ingest/dist/main.js']);
  });
});

describe('.dockerignore', () => {
  test('keeps host node_modules, build output and .git out of the build context', () => {
    const patterns = readRepoFile('.dockerignore')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'));
    // Patterns are anchored at the context root: workspace folders need the **/ form.
    expect(patterns).toEqual(expect.arrayContaining(['**/node_modules', '**/dist', '.git']));
  });
});

// =============================================================================================
// The CLI inside the image: `docker compose run --rm cli …` and the commands the docs show.

/** The destination of a COPY/ADD as written (a trailing `/` or `.` means "into this folder"). */
function copyDestination(instruction: Instruction): string {
  const trimmed = instruction.args.trim();
  const words = trimmed.startsWith('[')
    ? (JSON.parse(trimmed) as string[])
    : trimmed.split(/\s+/).filter((word) => !word.startsWith('--'));
  return words[words.length - 1] ?? '';
}

/** Whether a build-stage path is a folder: one in the repository, or a name without an extension (dist). */
function looksLikeFolder(relative: string): boolean {
  const inRepo = path.join(repoRoot, relative);
  if (fs.existsSync(inRepo)) return fs.statSync(inRepo).isDirectory();
  return !/\.[a-z]+$/i.test(path.posix.basename(relative));
}

interface RuntimeCopy {
  /** Where it lands in the image, absolute. */
  destination: string;
  /** Where it comes from in the build stage, relative to its /app (e.g. `services/cli/dist`). */
  source: string;
}

/** What the runtime stage copies out of the build stage, with WORKDIR applied to destinations. */
function runtimeCopies(): { workdir: string; copies: RuntimeCopy[] } {
  let workdir = '/';
  const copies: RuntimeCopy[] = [];
  for (const instruction of runtimeStage().instructions) {
    if (instruction.keyword === 'WORKDIR') workdir = path.posix.resolve(workdir, instruction.args.trim());
    if (instruction.keyword !== 'COPY' || copyFromFlag(instruction) === undefined) continue;
    const written = copyDestination(instruction);
    const destination = path.posix.resolve(workdir, written);
    const intoFolder = /(^|\/)\.?$/.test(written) || written.endsWith('/');
    for (const source of copySources(instruction)) {
      const relative = source.replace(/^\/app\//, '').replace(/\/+$/, '');
      // A file copied into a folder keeps its name; a folder's contents become the destination.
      const landed =
        intoFolder && !looksLikeFolder(relative)
          ? path.posix.join(destination, path.posix.basename(relative))
          : destination;
      copies.push({ destination: landed, source: relative });
    }
  }
  return { workdir, copies };
}

/** The build-stage file or folder (relative to /app) that ends up at `imagePath`, if any COPY brings it. */
function imageSourceOf(imagePath: string): string | undefined {
  const { copies } = runtimeCopies();
  for (const copy of [...copies].reverse()) {
    if (imagePath === copy.destination) return copy.source;
    if (imagePath.startsWith(`${copy.destination}/`))
      return `${copy.source}${imagePath.slice(copy.destination.length)}`;
  }
  return undefined;
}

interface WorkspaceManifest {
  name: string;
  dependencies?: Record<string, string>;
}

/** Every root workspace's package.json, by package name. */
function workspacesByName(): Map<string, { dir: string; manifest: WorkspaceManifest }> {
  return new Map(
    workspaces.map((dir) => {
      const manifest = JSON.parse(readRepoFile(`${dir}/package.json`)) as WorkspaceManifest;
      return [manifest.name, { dir, manifest }];
    }),
  );
}

/** The workspace folders `start` needs at runtime: itself plus its @careerfeed/* dependencies, transitively. */
function runtimeWorkspaceClosure(start: string): string[] {
  const byName = workspacesByName();
  const startName = [...byName.values()].find((ws) => ws.dir === start)?.manifest.name;
  if (startName === undefined) throw new Error(`${start} is not a workspace of the root package.json`);
  const seen = new Set<string>();
  const queue = [startName];
  while (queue.length > 0) {
    const name = queue.shift()!;
    if (seen.has(name)) continue;
    const ws = byName.get(name);
    if (ws === undefined) throw new Error(`${name} is a dependency but no workspace of the root package.json`);
    seen.add(name);
    queue.push(...Object.keys(ws.manifest.dependencies ?? {}).filter((dep) => dep.startsWith('@careerfeed/')));
  }
  return [...seen].map((name) => byName.get(name)!.dir).sort();
}

/** `@careerfeed/*` packages a workspace's non-test sources import (static, dynamic or require). */
function importedWorkspacePackages(dir: string): string[] {
  const found = new Set<string>();
  const walk = (folder: string): void => {
    for (const entry of fs.readdirSync(path.join(repoRoot, folder), { withFileTypes: true })) {
      const relative = `${folder}/${entry.name}`;
      if (entry.isDirectory()) walk(relative);
      else if (/\.ts$/.test(entry.name) && !/\.test\.ts$/.test(entry.name)) {
        for (const match of readRepoFile(relative).matchAll(
          /(?:from|import\(|require\()\s*'(@careerfeed\/[a-z-]+)'/g,
        )) {
          found.add(match[1] ?? '');
        }
      }
    }
  };
  walk(`${dir}/src`);
  return [...found].sort();
}

const CLI_WORKSPACE = 'services/cli';

describe('Dockerfile: everything the CLI loads at runtime is in the image', () => {
  const closure = runtimeWorkspaceClosure(CLI_WORKSPACE);

  test('the CLI depends (transitively) on the config and database packages', () => {
    expect(closure).toEqual(expect.arrayContaining([CLI_WORKSPACE, 'packages/config', 'packages/db']));
  });

  test.each(closure)('%s declares every @careerfeed/* package its sources import', (dir) => {
    const manifest = JSON.parse(readRepoFile(`${dir}/package.json`)) as WorkspaceManifest;
    const own = (manifest as { name: string }).name;
    const declared = Object.keys(manifest.dependencies ?? {});
    const undeclared = importedWorkspacePackages(dir).filter((name) => name !== own && !declared.includes(name));
    expect(undeclared).toEqual([]);
  });

  test.each(closure)('%s: its package.json and dist/ are copied into the runtime stage from the build stage', (dir) => {
    const { workdir } = runtimeCopies();
    expect(workdir).toBe('/app');
    expect({ dir, packageJson: imageSourceOf(`/app/${dir}/package.json`) }).toEqual({
      dir,
      packageJson: `${dir}/package.json`,
    });
    expect({ dir, dist: imageSourceOf(`/app/${dir}/dist`) }).toEqual({ dir, dist: `${dir}/dist` });
  });

  test('the runtime stage has node_modules, where the @careerfeed/* links and third-party packages live', () => {
    expect(imageSourceOf('/app/node_modules')).toBe('node_modules');
  });
});

describe('docker-compose.yml: the cli service', () => {
  test('runs the compiled CLI from the image, is kept out of `docker compose up` and prints usage by default', () => {
    const cli = service('cli');
    expect(cli.build).toBe('.');
    expect(Array.isArray(cli.profiles) && cli.profiles.length > 0).toBe(true);
    expect(argvOf(cli.entrypoint)).toEqual(['node', 'services/cli/dist/main.js']);
    expect(argvOf(cli.command)).toEqual(['--help']);
    expect(dependenciesOf(cli).migrate).toBe('service_completed_successfully');
  });

  test('the file its entrypoint runs is produced by the Dockerfile: copied dist/, compiled from a source file', () => {
    const argv = [...argvOf(service('cli').entrypoint), ...argvOf(service('cli').command)];
    expect(argv[0]).toBe('node');
    const script = argv[1] ?? '';
    const { workdir } = runtimeCopies();
    const inBuild = imageSourceOf(path.posix.resolve(workdir, script));
    expect(inBuild).toBe('services/cli/dist/main.js');
    // dist/<x>.js is tsc's output of src/<x>.ts (rootDir src, outDir dist).
    const source = (inBuild ?? '').replace('/dist/', '/src/').replace(/\.js$/, '.ts');
    expect(repoFile(source)).toEqual({ file: source, exists: true });
  });

  test('it gets the same settings as the long-running services', () => {
    expect(environmentOf(service('cli'))).toEqual(environmentOf(service('migrate')));
  });
});

describe('the sample corpus the docs import inside the container', () => {
  /** Paths of `docker compose run … cli import PATH` in the compose file and the docs. */
  function documentedImportPaths(): { file: string; path: string }[] {
    const files = ['docker-compose.yml', 'README.md', 'docs/operations.md'].filter((file) => repoFile(file).exists);
    return files.flatMap((file) =>
      [...readRepoFile(file).matchAll(/docker compose run (?:--rm )?cli import (\S+)/g)].map((match) => ({
        file,
        path: match[1] ?? '',
      })),
    );
  }

  test('docker-compose.yml and docs/operations.md show an import inside the container', () => {
    const files = documentedImportPaths().map((entry) => entry.file);
    expect(files).toEqual(expect.arrayContaining(['docker-compose.yml', 'docs/operations.md']));
  });

  test('every such path is copied into the image from the build context', () => {
    const { workdir } = runtimeCopies();
    const missing = documentedImportPaths().filter(
      (entry) => imageSourceOf(path.posix.resolve(workdir, entry.path)) !== entry.path,
    );
    expect(missing).toEqual([]);
  });

  test('every such path exists in the repository and .dockerignore keeps it in the build context', () => {
    const ignored = readRepoFile('.dockerignore')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'));
    for (const entry of documentedImportPaths()) {
      expect({ ...repoFile(entry.path), documentedIn: entry.file }).toEqual({
        file: entry.path,
        exists: true,
        documentedIn: entry.file,
      });
      const topFolder = entry.path.split('/')[0];
      expect(ignored.filter((pattern) => pattern === topFolder || pattern === entry.path)).toEqual([]);
    }
  });
});
