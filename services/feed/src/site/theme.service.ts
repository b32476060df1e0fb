import { renderThemeCss } from '@careerfeed/core';
import type { Db } from '@careerfeed/db';
import { readSite } from '@careerfeed/posts';

export interface ThemeDeps {
  db: Db;
}

/** The stylesheet of the site's current colours. */
export async function buildThemeCss(deps: ThemeDeps): Promise<string> {
  return renderThemeCss(await readSite(deps.db.kysely));
}
