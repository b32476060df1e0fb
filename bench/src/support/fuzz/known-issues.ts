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
  branch: string;
  description: string;
  matches(request: FuzzRequest): boolean;
}

// Empty since the hardening fixes landed (undecodable %-encodings in paths, bodies not in their
// Content-Encoding, huge Content-Length all answer 4xx). A 5xx the fuzzer finds and that is being
// fixed elsewhere goes here, with the branch that fixes it.
export const KNOWN_ISSUES: KnownIssue[] = [];

export function knownIssueOf(request: FuzzRequest): KnownIssue | undefined {
  return KNOWN_ISSUES.find((issue) => issue.matches(request));
}
