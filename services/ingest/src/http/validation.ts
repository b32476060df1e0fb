import type { z } from 'zod';
import { AppError, type FieldError } from '@careerfeed/core';

/** zod issues → the `errors` member of a problem document, one entry per offending field. */
export function toFieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.flatMap((issue): FieldError[] => {
    const base = issue.path.map(String).join('/');
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: base ? `${base}/${key}` : key, message: 'is not a known field' }));
    }
    if (issue.code === 'invalid_type' && issue.input === undefined) {
      return [{ path: base, message: 'is required' }];
    }
    return [{ path: base, message: issue.message }];
  });
}

export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, what = 'request body'): z.infer<S> {
  if (what === 'request body' && (typeof value !== 'object' || value === null || Array.isArray(value))) {
    throw new AppError({
      code: 'VALIDATION_FAILED',
      status: 400,
      detail: 'The request body must be a JSON object',
      errors: [{ path: '', message: 'must be a JSON object' }],
    });
  }
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const errors = toFieldErrors(result.error);
  throw new AppError({
    code: 'VALIDATION_FAILED',
    status: 400,
    detail: `Invalid ${what}: ${errors.map((e) => `${e.path || '(body)'} ${e.message}`).join('; ')}`,
    errors,
  });
}
