import { z } from 'zod';
import type { Kysely } from 'kysely';
import type { Database } from '@careerfeed/db';

/** What feeds and pages say about the blog as a whole. */
export const siteSchema = z.strictObject({
  title: z.string().min(1).max(200),
  description: z.string().max(2000).default(''),
  url: z.url({ protocol: /^https?$/ }).optional(),
  language: z
    .string()
    .regex(/^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$/, 'must be a BCP 47 language tag such as en or en-US')
    .default('en'),
});
export type Site = z.infer<typeof siteSchema>;

export const DEFAULT_SITE: Site = { title: 'Career Center Blog', description: '', language: 'en' };

export async function readSite(db: Kysely<Database>): Promise<Site> {
  const row = await db.selectFrom('settings').select('value').where('key', '=', 'site').executeTakeFirst();
  return row ? siteSchema.parse(JSON.parse(row.value)) : DEFAULT_SITE;
}

export async function saveSite(db: Kysely<Database>, site: Site, now: string): Promise<void> {
  const value = JSON.stringify(site);
  await db
    .insertInto('settings')
    .values({ key: 'site', value, updated_at: now })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value, updated_at: now }))
    .execute();
}
