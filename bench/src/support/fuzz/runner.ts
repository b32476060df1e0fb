import fc from 'fast-check';
import http from 'node:http';
import zlib from 'node:zlib';
import { type FuzzContext, type FuzzDocument, type FuzzRequest, listOperations, requestArbitrary } from './requests';
import { type Snapshot, diffSnapshots } from './snapshot';
import { knownIssueOf } from './known-issues';

/**
 * Runs generated requests against one running service (in this process or a child process: all
 * it needs is an address) and checks, case by case:
 *
 * - no answer is a 5xx;
 * - the process is still alive afterwards (`alive`);
 * - an answer that says it is JSON (`application/json`, `application/problem+json`, `…+json`) parses;
 * - a refused request (4xx) changed no table: the database is snapshotted before it (or the last
 *   snapshot still stands: the previous request was refused too and changed nothing) and after.
 *
 * Cases are sampled with fast-check from a fixed seed: the same seed and count give the same
 * requests in the same order, so `FUZZ_SEED=… FUZZ_CASE=…` reruns one of them.
 */

export interface FuzzTarget {
  service: string;
  host: string;
  port: number;
  /** Why the service is no longer able to answer (exited, uncaught exception), or undefined. */
  alive(): string | undefined;
  snapshot(): Promise<Snapshot>;
  /** Valid Authorization headers and known path values (see FuzzContext). */
  context: Omit<FuzzContext, 'service' | 'components'>;
}

export interface CaseResult {
  request: FuzzRequest;
  status: number;
  contentType: string;
  ms: number;
  /** The start of the (decoded) body. */
  excerpt: string;
  /** Set for a finding: what was wrong. */
  problem?: 'status_5xx' | 'crash' | 'state_change_on_4xx' | 'unparseable_json' | 'no_response';
  detail?: string;
  /** A 5xx (or no answer) on a request of a kind another branch is fixing; see known-issues.ts. */
  known?: string;
}

export interface OperationStats {
  service: string;
  operation: string;
  cases: number;
  statuses: Record<string, number>;
  status_5xx: number;
  known_5xx: number;
  crashes: number;
  state_changes_on_4xx: number;
  unparseable_json: number;
  no_response: number;
  ms: number;
}

export interface FuzzRun {
  stats: OperationStats[];
  findings: CaseResult[];
  /** Known issues seen (5xx on a request of a kind the `hardening` branch fixes). */
  known: CaseResult[];
  cases: number;
  seconds: number;
}

export async function fetchDocument(host: string, port: number): Promise<FuzzDocument> {
  const res = await send(
    { host, port },
    { service: '', operation: '', method: 'GET', path: '/openapi.json', headers: {} },
  );
  if (res.status !== 200) throw new Error(`GET /openapi.json answered ${res.status}`);
  return JSON.parse(res.body) as FuzzDocument;
}

export interface Sent {
  status: number;
  contentType: string;
  body: string;
}

const REQUEST_TIMEOUT_MS = 15_000;

export function send(target: { host: string; port: number }, request: FuzzRequest, agent?: http.Agent): Promise<Sent> {
  return new Promise((resolve, reject) => {
    const headers: http.OutgoingHttpHeaders = { ...request.headers };
    const claimsHuge = headers['content-length'] !== undefined;
    if (request.body !== undefined && !claimsHuge) headers['content-length'] = Buffer.byteLength(request.body);
    let req: http.ClientRequest;
    try {
      req = http.request(
        {
          host: target.host,
          port: target.port,
          method: request.method,
          path: request.path,
          headers,
          // A lying Content-Length leaves the connection unusable: give it one of its own.
          agent: claimsHuge ? false : agent,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const raw = Buffer.concat(chunks);
            const encoding = String(res.headers['content-encoding'] ?? 'identity').toLowerCase();
            let body: string;
            try {
              const decoded =
                encoding === 'gzip'
                  ? zlib.gunzipSync(raw)
                  : encoding === 'br'
                    ? zlib.brotliDecompressSync(raw)
                    : encoding === 'deflate'
                      ? zlib.inflateSync(raw)
                      : raw;
              body = decoded.toString('utf8');
            } catch (error) {
              body = `(not ${encoding} as its Content-Encoding says: ${(error as Error).message})`;
            }
            resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), body });
            if (claimsHuge) req.destroy();
          });
          res.on('error', reject);
        },
      );
    } catch (error) {
      reject(error);
      return;
    }
    req.setTimeout(claimsHuge ? 500 : REQUEST_TIMEOUT_MS, () => req.destroy(new Error('no response in time')));
    req.on('error', reject);
    if (request.body !== undefined) req.write(request.body);
    if (claimsHuge) {
      // Never finish a body that claims 99 TB; the server must answer or time out. Without a body
      // chunk node would not send the headers at all until the end, so send them now.
      req.flushHeaders();
      return;
    }
    req.end();
  });
}

/** `curl` spelling of a request, for reports (bodies over 300 characters are summarised). */
export function describeRequest(request: FuzzRequest): string {
  const shorten = (s: string) => (s.length > 300 ? `${s.slice(0, 200)}…(${s.length} chars)` : s);
  const headers = Object.entries(request.headers).map(([k, v]) => `-H '${k}: ${shorten(v)}'`);
  const body = request.body !== undefined ? ` --data-binary '${shorten(request.body)}'` : '';
  const where =
    request.round === undefined ? request.service : `${request.service} ${request.operation}#${request.round}`;
  return `${where}: curl -X ${request.method} '${shorten(request.path)}' ${headers.join(' ')}${body}`;
}

/** Splits `total` cases over services in proportion to their operation counts; the parts add up to `total`. */
export function splitCases(total: number, operationCounts: number[]): number[] {
  const all = operationCounts.reduce((a, b) => a + b, 0);
  const parts = operationCounts.map((n) => Math.floor((total * n) / all));
  let rest = total - parts.reduce((a, b) => a + b, 0);
  for (let i = 0; rest > 0; i = (i + 1) % parts.length, rest--) parts[i]!++;
  return parts;
}

/** How many operations a document lists. */
export function operationCount(doc: FuzzDocument): number {
  return listOperations(doc).length;
}

export function casesFor(
  doc: FuzzDocument,
  target: Pick<FuzzTarget, 'service' | 'context'>,
  count: number,
  seed: number,
  only?: string,
): FuzzRequest[] {
  const all = listOperations(doc);
  const ctx: FuzzContext = { service: target.service, components: doc.components?.schemas ?? {}, ...target.context };
  // Each operation has a seed of its own (from its place in the document), so its cases are the
  // same whether or not the other operations run: `only` reruns exactly that operation's cases.
  const columns = all
    .map((op, i) => ({ op, seed: seed + i * 7919 }))
    .filter(({ op }) => !only || op.id === only)
    .map(({ op, seed: opSeed }, _i, chosen) =>
      fc.sample(requestArbitrary(op, ctx), { seed: opSeed, numRuns: Math.ceil(count / Math.max(1, chosen.length)) }),
    );
  // Round-robin over operations, so every one gets its share and writes interleave with reads.
  const out: FuzzRequest[] = [];
  for (let r = 0; out.length < count && columns.some((c) => r < c.length); r++)
    for (const column of columns) if (out.length < count && r < column.length) out.push({ ...column[r]!, round: r });
  return out;
}

function claimsJson(contentType: string): boolean {
  return /^application\/([\w.-]+\+)?json\b/i.test(contentType);
}

export async function runCases(
  target: FuzzTarget,
  requests: FuzzRequest[],
  onCase?: (result: CaseResult, index: number) => void,
): Promise<FuzzRun> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const stats = new Map<string, OperationStats>();
  const findings: CaseResult[] = [];
  const known: CaseResult[] = [];
  const started = performance.now();
  let before: Snapshot | undefined;
  try {
    for (const [index, request] of requests.entries()) {
      if (!before) before = await target.snapshot();
      const t0 = performance.now();
      let result: CaseResult;
      try {
        const res = await send(target, request, agent);
        result = {
          request,
          status: res.status,
          contentType: res.contentType,
          excerpt: res.body.slice(0, 300),
          ms: performance.now() - t0,
        };
        if (res.status >= 500) {
          result.problem = 'status_5xx';
          result.detail = res.body.slice(0, 500);
        } else if (claimsJson(res.contentType) && res.body !== '' && res.status !== 304 && request.method !== 'HEAD') {
          try {
            JSON.parse(res.body);
          } catch (error) {
            result.problem = 'unparseable_json';
            result.detail = `${(error as Error).message}: ${res.body.slice(0, 200)}`;
          }
        }
      } catch (error) {
        result = {
          request,
          status: 0,
          contentType: '',
          excerpt: '',
          ms: performance.now() - t0,
          problem: 'no_response',
          detail: (error as Error).message,
        };
      }
      const dead = target.alive();
      if (dead) {
        result.problem = 'crash';
        result.detail = dead;
      }
      if (result.status >= 400 && result.status < 500 && !result.problem) {
        const after = await target.snapshot();
        const changed = diffSnapshots(before, after);
        if (changed.length > 0) {
          result.problem = 'state_change_on_4xx';
          result.detail = changed.join('; ');
        }
        before = after;
      } else {
        before = undefined; // an accepted (or failed) request may have changed things: snapshot anew
      }
      if (result.problem === 'status_5xx' || result.problem === 'no_response') {
        const issue = knownIssueOf(request);
        if (issue) result.known = issue.id;
      }

      const key = `${request.service}\u0000${request.operation}`;
      let s = stats.get(key);
      if (!s) {
        s = {
          service: request.service,
          operation: request.operation,
          cases: 0,
          statuses: {},
          status_5xx: 0,
          known_5xx: 0,
          crashes: 0,
          state_changes_on_4xx: 0,
          unparseable_json: 0,
          no_response: 0,
          ms: 0,
        };
        stats.set(key, s);
      }
      s.cases++;
      s.ms += result.ms;
      s.statuses[String(result.status)] = (s.statuses[String(result.status)] ?? 0) + 1;
      if (result.known) {
        s.known_5xx++;
        known.push(result);
      } else if (result.problem) {
        if (result.problem === 'status_5xx') s.status_5xx++;
        if (result.problem === 'crash') s.crashes++;
        if (result.problem === 'state_change_on_4xx') s.state_changes_on_4xx++;
        if (result.problem === 'unparseable_json') s.unparseable_json++;
        if (result.problem === 'no_response') s.no_response++;
        findings.push(result);
      }
      onCase?.(result, index);
      if (result.problem === 'crash') break; // nothing more to learn from a dead process
    }
  } finally {
    agent.destroy();
  }
  return {
    stats: [...stats.values()],
    findings,
    known,
    cases: requests.length,
    seconds: (performance.now() - started) / 1000,
  };
}
