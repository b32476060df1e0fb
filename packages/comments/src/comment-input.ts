import { z } from 'zod';
import { AppError, EMAIL_MAX_LENGTH, type FieldError, hasControlCharacters, isPlausibleEmail } from '@careerfeed/core';

/**
 * The body of POST /posts/{slug}/comments, from the HTML form (every value a string) or JSON.
 * Everything is `unknown` until this schema accepts it; nothing is stored before it does.
 */

export const NAME_MAX_LENGTH = 100;
export const URL_MAX_LENGTH = 200;
/** WordPress allows ~64 KB; a comment of 8,000 characters is already a long essay. */
export const BODY_MAX_LENGTH = 8000;
/** The form's honeypot: hidden from people (and from assistive technology); scripts fill it. */
export const HONEYPOT_FIELD = 'website_confirm';

const plainLine = (max: number) =>
  z
    .string({ message: 'is required' })
    .max(max * 2, `must be at most ${max} characters`)
    .refine((v) => !hasControlCharacters(v), 'must not contain line breaks or other control characters')
    .transform((v) => v.trim())
    .pipe(z.string().min(1, 'is required').max(max, `must be at most ${max} characters`));

const optionalUrl = z
  .string({ message: 'must be a web address' })
  .max(URL_MAX_LENGTH * 2, `must be at most ${URL_MAX_LENGTH} characters`)
  .refine((v) => !hasControlCharacters(v), 'must not contain line breaks or other control characters')
  .transform((v) => v.trim())
  .transform((v, ctx) => {
    if (v === '') return undefined;
    // People type "example.edu"; a scheme is assumed, as WordPress does.
    const candidate = /^[a-z][a-z0-9+.-]*:/i.test(v) ? v : `https://${v}`;
    const url = URL.canParse(candidate) ? new URL(candidate) : null;
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname.includes('.')) {
      ctx.addIssue({ code: 'custom', message: 'must be a web address starting with http:// or https://' });
      return z.NEVER;
    }
    if (url.href.length > URL_MAX_LENGTH) {
      ctx.addIssue({ code: 'custom', message: `must be at most ${URL_MAX_LENGTH} characters` });
      return z.NEVER;
    }
    return url.href;
  });

const checkbox = z
  .union([z.boolean(), z.enum(['true', 'false', 'on', 'off', '1', '0'])], { message: 'must be true or false' })
  .transform((v) => v === true || v === 'true' || v === 'on' || v === '1');

export const commentInputSchema = z.strictObject({
  name: plainLine(NAME_MAX_LENGTH),
  email: z
    .string({ message: 'is required' })
    .max(EMAIL_MAX_LENGTH * 2, `must be at most ${EMAIL_MAX_LENGTH} characters`)
    .refine((v) => !hasControlCharacters(v), 'must not contain line breaks or other control characters')
    .transform((v) => v.trim())
    .pipe(
      z
        .string()
        .min(1, 'is required')
        .max(EMAIL_MAX_LENGTH, `must be at most ${EMAIL_MAX_LENGTH} characters`)
        .refine(isPlausibleEmail, 'is not a valid email address'),
    ),
  url: optionalUrl.optional(),
  body: z
    .string({ message: 'is required' })
    .transform((v) => v.trim())
    .pipe(z.string().min(1, 'is required').max(BODY_MAX_LENGTH, `must be at most ${BODY_MAX_LENGTH} characters`)),
  parent_id: z
    .string()
    .trim()
    .transform((v) => (v === '' ? undefined : v))
    .pipe(z.uuid({ message: 'must be the id of a comment' }).optional())
    .optional(),
  notify_replies: checkbox.optional(),
  // The form's signed timestamp; JSON clients may leave it out (see comments.service.ts).
  form_token: z.string().max(200).optional(),
  [HONEYPOT_FIELD]: z.string().max(1000).optional(),
});

export interface CommentInput {
  name: string;
  email: string;
  url: string | undefined;
  body: string;
  parentId: string | undefined;
  notifyReplies: boolean;
  formToken: string | undefined;
  honeypot: string | undefined;
}

function invalid(errors: FieldError[]): AppError {
  return new AppError({
    code: 'VALIDATION_FAILED',
    status: 400,
    detail: errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message)).join('; '),
    errors,
  });
}

/** A form (strings) or JSON body → a comment to store, or a 400 naming every bad field. */
export function parseCommentInput(body: unknown): CommentInput {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalid([{ path: '', message: 'the body must be a form or a JSON object' }]);
  }
  const result = commentInputSchema.safeParse(body);
  if (!result.success) {
    throw invalid(
      result.error.issues.flatMap((issue) =>
        issue.code === 'unrecognized_keys'
          ? issue.keys.map((key) => ({ path: key.slice(0, 100), message: 'is not a known field' }))
          : [
              {
                path: issue.path.map(String).join('/'),
                message: issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : issue.message,
              },
            ],
      ),
    );
  }
  const data = result.data;
  return {
    name: data.name,
    email: data.email,
    url: data.url,
    body: data.body,
    parentId: data.parent_id,
    notifyReplies: data.notify_replies ?? false,
    formToken: data.form_token,
    honeypot: data[HONEYPOT_FIELD],
  };
}
