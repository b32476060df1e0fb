import type { FuzzRequest } from './requests';

/**
 * 5xx answers the fuzzer finds that are already known and being fixed on the `hardening` branch
 * (malformed input: `%ff` in paths, a Content-Encoding the body is not in, a huge Content-Length).
 * A 5xx on a request of one of these kinds is counted as `known_5xx`, not as a finding, so CI does
 * not depend on that branch. `tests/fuzz/openapi-fuzz.test.ts` also sends one representative
 * request of each as a `test.failing`: when `hardening` lands those start to pass, jest reports
 * them, and the entry here and the `.failing` go (then the fuzzer asserts these kinds too).
 */
export interface KnownIssue {
  id: string;
  /** Where it is being fixed. */
  branch: 'hardening';
  description: string;
  matches(request: FuzzRequest): boolean;
}

function pathPart(request: FuzzRequest): string {
  const at = request.path.indexOf('?');
  return at === -1 ? request.path : request.path.slice(0, at);
}

function decodes(text: string): boolean {
  try {
    decodeURIComponent(text);
    return true;
  } catch {
    return false;
  }
}

export const KNOWN_ISSUES: KnownIssue[] = [
  {
    id: 'malformed-percent-encoding-in-path',
    branch: 'hardening',
    description: 'a path with a %-encoding that does not decode (%ff, %c3%28, a lone %) answers 500',
    matches: (request) => !decodes(pathPart(request)),
  },
  {
    id: 'undecodable-content-encoding',
    branch: 'hardening',
    description: 'a body with a Content-Encoding it is not in (or an unknown one) answers 500',
    matches: (request) =>
      request.headers['content-encoding'] !== undefined && request.headers['content-encoding'] !== 'identity',
  },
  {
    id: 'huge-content-length',
    branch: 'hardening',
    description: 'a Content-Length of 99,999,999,999,999 answers 500 (or not at all)',
    matches: (request) => Number(request.headers['content-length'] ?? 0) > 10_000_000,
  },
];

export function knownIssueOf(request: FuzzRequest): KnownIssue | undefined {
  return KNOWN_ISSUES.find((issue) => issue.matches(request));
}
