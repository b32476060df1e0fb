import { z } from 'zod';
import type { Kysely } from 'kysely';
import type { Database } from '@careerfeed/db';
import { AppError, type FieldError } from '@careerfeed/core';

/**
 * The site settings staff set once in the console: what feeds, pages, embeds and mails say about
 * the blog as a whole and how they look. Stored as one JSON value under the key "site" of the
 * `settings` table, so a new field needs no migration: a default here covers values saved before
 * the field existed.
 */

/** `#rgb` or `#rrggbb`, stored as lowercase `#rrggbb` so templates and comparisons see one form. */
export const hexColourSchema = z
  .string()
  .trim()
  .regex(/^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/, 'must be a hex colour such as #0b57d0')
  .transform((hex) => {
    const digits = hex.slice(1).toLowerCase();
    return digits.length === 3 ? `#${[...digits].map((d) => d + d).join('')}` : `#${digits}`;
  });

/** WCAG 2 contrast ratio (1–21) of two `#rrggbb` colours. */
export function contrastRatio(a: string, b: string): number {
  const [la, lb] = [relativeLuminance(a), relativeLuminance(b)];
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}

function relativeLuminance(hex: string): number {
  const channel = (offset: number): number => {
    const c = parseInt(hex.slice(offset, offset + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
}

/**
 * Both colours carry white text (header band, buttons) and the accent is also link text on white,
 * so each must reach WCAG AA for normal text (4.5:1) against white: a console choice can never
 * make pages or mails unreadable.
 */
const MIN_CONTRAST_WITH_WHITE = 4.5;
const readableOnWhite = hexColourSchema.refine((hex) => contrastRatio(hex, '#ffffff') >= MIN_CONTRAST_WITH_WHITE, {
  message: `must be dark enough to read white text on it (contrast of at least ${MIN_CONTRAST_WITH_WHITE}:1)`,
});

/** Forms send "" for a cleared optional field; it means "not set". */
const blankAsUnset = (value: unknown): unknown =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;
const optionalHttpUrl = z.preprocess(
  blankAsUnset,
  z
    .url({ protocol: /^https?$/ })
    .max(2000)
    .optional(),
);

export const TEXT_DIRECTIONS = ['auto', 'ltr', 'rtl'] as const;

export const siteSchema = z.strictObject({
  /** The site's name: feed titles, page headers, mail From names and subjects. */
  title: z.string().trim().min(1).max(200),
  description: z.string().max(2000).default(''),
  url: z.url({ protocol: /^https?$/ }).optional(),
  language: z
    .string()
    .regex(/^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$/, 'must be a BCP 47 language tag such as en or en-US')
    .default('en'),
  /** "auto" follows the language's script (Arabic, Hebrew, Thaana… are right-to-left). */
  direction: z.enum(TEXT_DIRECTIONS).default('auto'),
  /** Wide logo for page and mail headers, the RSS <image> and the Atom <logo>. */
  logoUrl: optionalHttpUrl,
  /** Square icon for the JSON Feed icon/favicon and the Atom <icon>; the logo stands in when unset. */
  iconUrl: optionalHttpUrl,
  /** Header band behind the site name and logo (white text on it). */
  brandColor: readableOnWhite.default('#1f3a5f'),
  /** Links and buttons. */
  accentColor: readableOnWhite.default('#0b57d0'),
  /**
   * The sender's physical postal address, printed in every mail footer: CAN-SPAM requires one in
   * commercial mail, and readers expect it. Empty until staff set it; the console should say so.
   */
  postalAddress: z.string().trim().max(500).default(''),
  /** Local hour (0–23) a new subscriber's digest is preselected to. */
  defaultDigestHour: z.int().min(0).max(23).default(8),
  /** ISO weekday (1 = Monday … 7 = Sunday) a new subscriber's weekly digest is preselected to. */
  defaultDigestWeekday: z.int().min(1).max(7).default(1),
});
export type Site = z.infer<typeof siteSchema>;
/** What callers may hand in: every field with a default may be left out. */
export type SiteInput = z.input<typeof siteSchema>;

export const DEFAULT_SITE: Site = Object.freeze(siteSchema.parse({ title: 'Career Center Blog' }));

// Scripts written right to left (ISO 15924), for `direction: "auto"`.
const RTL_SCRIPTS = new Set(['Adlm', 'Arab', 'Hebr', 'Mand', 'Nkoo', 'Rohg', 'Samr', 'Syrc', 'Thaa', 'Yezi']);

/** Text direction of a BCP 47 language tag, from its (likely) script: "ar" and "ku-Arab" → rtl. */
export function textDirectionOf(language: string): 'ltr' | 'rtl' {
  try {
    const script = new Intl.Locale(language).maximize().script;
    return script !== undefined && RTL_SCRIPTS.has(script) ? 'rtl' : 'ltr';
  } catch {
    return 'ltr';
  }
}

/** The `dir` pages, feeds and mails carry: the staff's choice, or the language's own direction. */
export function siteDirection(site: Pick<Site, 'language' | 'direction'>): 'ltr' | 'rtl' {
  return site.direction === 'auto' ? textDirectionOf(site.language) : site.direction;
}

export async function readSite(db: Kysely<Database>): Promise<Site> {
  const row = await db.selectFrom('settings').select('value').where('key', '=', 'site').executeTakeFirst();
  return row ? siteSchema.parse(JSON.parse(row.value)) : DEFAULT_SITE;
}

/** Stores the whole settings value; `site` is validated (and defaults filled in) first. */
export async function saveSite(db: Kysely<Database>, site: SiteInput, now: string): Promise<Site> {
  const parsed = parseSite(site);
  const value = JSON.stringify(parsed);
  await db
    .insertInto('settings')
    .values({ key: 'site', value, updated_at: now })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value, updated_at: now }))
    .execute();
  return parsed;
}

/**
 * Applies the fields of `changes` (unknown input, e.g. a console form) over the stored settings
 * and saves the result. A field set to null returns to its default (or unset). Nothing is saved
 * unless the whole result is valid: invalid input throws VALIDATION_FAILED (400) naming each field.
 */
export async function updateSite(db: Kysely<Database>, changes: unknown, now: string): Promise<Site> {
  if (typeof changes !== 'object' || changes === null || Array.isArray(changes)) {
    throw new AppError({
      code: 'VALIDATION_FAILED',
      status: 400,
      detail: 'The site settings must be a JSON object',
      errors: [{ path: '', message: 'must be a JSON object' }],
    });
  }
  const current = await readSite(db);
  const merged: Record<string, unknown> = { ...current };
  for (const [key, value] of Object.entries(changes)) {
    if (value === null) delete merged[key];
    else merged[key] = value;
  }
  return saveSite(db, merged as SiteInput, now);
}

/** Validates settings from anywhere (console, import file); invalid input is a 400 naming each field. */
export function parseSite(input: unknown): Site {
  const result = siteSchema.safeParse(input);
  if (result.success) return result.data;
  const errors = result.error.issues.flatMap((issue): FieldError[] => {
    const path = issue.path.map(String).join('/');
    if (issue.code === 'unrecognized_keys')
      return issue.keys.map((key) => ({ path: key, message: 'is not a known setting' }));
    if (issue.code === 'invalid_type' && issue.input === undefined) return [{ path, message: 'is required' }];
    return [{ path, message: issue.message }];
  });
  throw new AppError({
    code: 'VALIDATION_FAILED',
    status: 400,
    detail: `Invalid site settings: ${errors.map((e) => `${e.path || '(settings)'} ${e.message}`).join('; ')}`,
    errors,
  });
}
