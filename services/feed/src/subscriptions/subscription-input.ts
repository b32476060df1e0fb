import { z } from 'zod';
import {
  AppError,
  DIGEST_FREQUENCIES,
  EMAIL_MAX_LENGTH,
  type FieldError,
  type Frequency,
  hasControlCharacters,
  isPlausibleEmail,
  isValidTimeZone,
} from '@careerfeed/core';

/**
 * The bodies of POST /subscribe and POST /preferences, from a form (every value a string, a
 * repeated field an array) or JSON (numbers and booleans as such). Everything is `unknown` until
 * these schemas accept it.
 */

/** More topics than any blog has: a request above this is not a person choosing topics. */
export const MAX_TOPICS = 200;
const MAX_TOPIC_LENGTH = 200;

const frequency = z.enum(DIGEST_FREQUENCIES, { message: `must be one of ${DIGEST_FREQUENCIES.join(', ')}` });

const topics = z
  .union([z.string(), z.array(z.string({ message: 'must be a string' }))], { message: 'must be a list of topics' })
  .transform((value) => (typeof value === 'string' ? [value] : value))
  .pipe(
    z
      .array(z.string().trim().min(1, 'must not be empty').max(MAX_TOPIC_LENGTH, 'is too long'))
      .max(MAX_TOPICS, `at most ${MAX_TOPICS} topics`),
  );

const timezone = z
  .string({ message: 'must be an IANA time zone name such as Europe/Berlin' })
  .trim()
  .refine(isValidTimeZone, 'is not a known time zone (an IANA name such as Europe/Berlin)');

function wholeNumber(min: number, max: number, what: string) {
  return z
    .union(
      [
        z.int(),
        z
          .string()
          .trim()
          .regex(/^[0-9]{1,2}$/)
          .transform(Number),
      ],
      {
        message: `must be ${what}`,
      },
    )
    .pipe(z.int().min(min, `must be ${what}`).max(max, `must be ${what}`));
}

const hour = wholeNumber(0, 23, 'a whole hour from 0 to 23');
const weekday = wholeNumber(1, 7, 'an ISO weekday from 1 (Monday) to 7 (Sunday)');

const paused = z
  .union([z.boolean(), z.enum(['true', 'false', 'on', 'off', '1', '0'])], { message: 'must be true or false' })
  .transform((v) => v === true || v === 'true' || v === 'on' || v === '1');

const email = z
  .string({ message: 'is required' })
  .max(EMAIL_MAX_LENGTH * 2, `must be at most ${EMAIL_MAX_LENGTH} characters`)
  .trim()
  .min(1, 'is required')
  .max(EMAIL_MAX_LENGTH, `must be at most ${EMAIL_MAX_LENGTH} characters`)
  .refine(isPlausibleEmail, 'is not a valid email address');

export const subscribeSchema = z.strictObject({
  email,
  frequency: frequency.optional(),
  topics: topics.optional(),
  timezone: timezone.optional(),
  hour: hour.optional(),
  weekday: weekday.optional(),
});

export const preferencesSchema = z.strictObject({
  // The form carries the manage token in a hidden field; the service reads it, not this schema.
  token: z.string().max(1000).optional(),
  frequency: frequency.optional(),
  topics: topics.optional(),
  timezone: timezone.optional(),
  hour: hour.optional(),
  weekday: weekday.optional(),
  paused: paused.optional(),
});

export interface PreferenceChanges {
  frequency?: Frequency | undefined;
  /** As requested; resolved against the existing tags and categories by the service. */
  topics?: string[] | undefined;
  timeZone?: string | undefined;
  deliveryHour?: number | undefined;
  deliveryWeekday?: number | undefined;
  paused?: boolean | undefined;
}

export interface SubscribeRequest {
  email: string;
  changes: PreferenceChanges;
}

function invalid(errors: FieldError[]): AppError {
  return new AppError({
    code: 'VALIDATION_FAILED',
    status: 400,
    detail: errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message)).join('; '),
    errors,
  });
}

/**
 * How deep the control-character scan reads. No field of these bodies holds more than a list of
 * strings, so anything deeper is refused by the schema whatever it contains; reading it all
 * recursed once per level and overflowed the stack (a 500) on a JSON object nested ~2,000 deep.
 */
const SCANNED_DEPTH = 4;

/** Strings with control characters anywhere in the body, by path: refused before anything else looks at them. */
function controlCharacterErrors(value: unknown, path: string[] = []): FieldError[] {
  if (path.length > SCANNED_DEPTH) return [];
  if (typeof value === 'string') {
    return hasControlCharacters(value)
      ? [{ path: path.join('/'), message: 'must not contain line breaks or other control characters' }]
      : [];
  }
  if (Array.isArray(value)) return value.flatMap((item, i) => controlCharacterErrors(item, [...path, String(i)]));
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([key, item]) =>
      hasControlCharacters(key)
        ? [{ path: '', message: 'field names must not contain control characters' }]
        : controlCharacterErrors(item, [...path, key]),
    );
  }
  return [];
}

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalid([{ path: '', message: 'the body must be a form or a JSON object' }]);
  }
  const control = controlCharacterErrors(body);
  if (control.length > 0) throw invalid(control);
  const result = schema.safeParse(body);
  if (!result.success) {
    throw invalid(
      result.error.issues.flatMap((issue) =>
        issue.code === 'unrecognized_keys'
          ? issue.keys.map((key) => ({ path: key.slice(0, 100), message: 'is not a known field' }))
          : [{ path: issue.path.map(String).join('/'), message: issue.message }],
      ),
    );
  }
  return result.data;
}

export function parseSubscribeRequest(body: unknown): SubscribeRequest {
  const data = parse(subscribeSchema, body);
  return {
    email: data.email,
    changes: {
      frequency: data.frequency,
      topics: data.topics,
      timeZone: data.timezone,
      deliveryHour: data.hour,
      deliveryWeekday: data.weekday,
    },
  };
}

export function parsePreferenceChanges(body: unknown): PreferenceChanges & { token?: string | undefined } {
  const data = parse(preferencesSchema, body);
  return {
    token: data.token,
    frequency: data.frequency,
    topics: data.topics,
    timeZone: data.timezone,
    deliveryHour: data.hour,
    deliveryWeekday: data.weekday,
    paused: data.paused,
  };
}
