import { type Kysely, PostgresAdapter, sql } from 'kysely';

// Frozen in time: never edit a migration that has shipped; add a new one.
//
// Full-text search over posts: one search document per post (title, topics = tag names and the
// category, author name, body text), kept in step with its sources by triggers, so every writer
// (the API, partner-feed syndication, imports, a restore, plain SQL) updates it in the same
// transaction. Drafts and scheduled posts are indexed too: whether a reader sees a post is decided
// at query time by the one visibility rule, so publishing or unpublishing needs no re-indexing.
//
// SQLite: an FTS5 table without stored content (posts.text_content already holds the text),
// keyed by the integer doc_id of post_search_documents, because posts.id is text and FTS5 rows
// need an integer rowid that survives VACUUM.
// PostgreSQL: a weighted tsvector per post with a GIN index, under a text search configuration of
// our own: English stemming with accents folded (unaccent; a trusted extension since PG 13) and no
// stop words, so that both engines match the same words (FTS5 has no stop words either).

/** SQL of the three statements that rebuild the search documents of the posts `p` matching `where`. */
function sqliteRefresh(where: string): string {
  return `
    INSERT OR IGNORE INTO post_search_documents (post_id, status, published_at_utc)
      SELECT p.id, p.status, p.published_at_utc FROM posts p WHERE ${where};
    DELETE FROM post_search_index WHERE rowid IN (
      SELECT d.doc_id FROM post_search_documents d JOIN posts p ON p.id = d.post_id WHERE ${where});
    INSERT INTO post_search_index (rowid, title, topics, author, body)
      SELECT d.doc_id, p.title,
        coalesce((SELECT group_concat(t.name, ' ') FROM post_tags pt JOIN tags t ON t.slug = pt.tag_slug
                  WHERE pt.post_id = p.id), '') || ' ' || coalesce(p.category, ''),
        a.name, p.text_content
      FROM posts p
      JOIN post_search_documents d ON d.post_id = p.id
      JOIN authors a ON a.id = p.author_id
      WHERE ${where};`;
}

async function upSqlite(db: Kysely<unknown>): Promise<void> {
  // status and published_at_utc are copies of the post's (kept by a trigger): ranking and the
  // visibility rule then read only this small table for each match, and the posts table only for
  // the page of results shown.
  await sql`CREATE TABLE post_search_documents (
    doc_id INTEGER PRIMARY KEY,
    post_id TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL,
    published_at_utc TEXT)`.execute(db);
  await sql`CREATE VIRTUAL TABLE post_search_index USING fts5(
    title, topics, author, body,
    content = '', contentless_delete = 1,
    tokenize = 'porter unicode61 remove_diacritics 2')`.execute(db);
  const triggers: [string, string][] = [
    ['post_search_post_inserted', `AFTER INSERT ON posts BEGIN ${sqliteRefresh('p.id = NEW.id')} END`],
    [
      'post_search_post_updated',
      `AFTER UPDATE OF title, text_content, author_id, category ON posts BEGIN ${sqliteRefresh('p.id = NEW.id')} END`,
    ],
    [
      'post_search_post_visibility_changed',
      `AFTER UPDATE OF status, published_at_utc ON posts BEGIN
         UPDATE post_search_documents SET status = NEW.status, published_at_utc = NEW.published_at_utc
         WHERE post_id = NEW.id;
       END`,
    ],
    [
      'post_search_post_deleted',
      `AFTER DELETE ON posts BEGIN
         DELETE FROM post_search_index WHERE rowid IN (SELECT doc_id FROM post_search_documents WHERE post_id = OLD.id);
         DELETE FROM post_search_documents WHERE post_id = OLD.id;
       END`,
    ],
    ['post_search_tag_added', `AFTER INSERT ON post_tags BEGIN ${sqliteRefresh('p.id = NEW.post_id')} END`],
    ['post_search_tag_removed', `AFTER DELETE ON post_tags BEGIN ${sqliteRefresh('p.id = OLD.post_id')} END`],
    [
      'post_search_author_renamed',
      `AFTER UPDATE OF name ON authors BEGIN ${sqliteRefresh('p.author_id = NEW.id')} END`,
    ],
    [
      'post_search_tag_renamed',
      `AFTER UPDATE OF name ON tags BEGIN
         ${sqliteRefresh('p.id IN (SELECT post_id FROM post_tags WHERE tag_slug = NEW.slug)')} END`,
    ],
  ];
  for (const [name, body] of triggers) await sql.raw(`CREATE TRIGGER ${name} ${body}`).execute(db);
  // Backfill every existing post.
  for (const statement of sqliteRefresh('1 = 1')
    .split(';')
    .filter((s) => s.trim() !== '')) {
    await sql.raw(statement).execute(db);
  }
}

async function upPostgres(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE EXTENSION IF NOT EXISTS unaccent`.execute(db);
  await sql`CREATE TEXT SEARCH DICTIONARY careerfeed_english_stem (TEMPLATE = snowball, LANGUAGE = english)`.execute(
    db,
  );
  await sql`CREATE TEXT SEARCH CONFIGURATION careerfeed_search (COPY = pg_catalog.english)`.execute(db);
  await sql`ALTER TEXT SEARCH CONFIGURATION careerfeed_search
    ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword, hword_part
    WITH unaccent, careerfeed_english_stem`.execute(db);
  // `heading` holds the weighted title, topics and author words only: ranking reads it for each
  // match, which is much cheaper than the whole document with the body.
  await sql`CREATE TABLE post_search_documents (
    post_id text PRIMARY KEY REFERENCES posts (id) ON DELETE CASCADE,
    document tsvector NOT NULL,
    heading tsvector NOT NULL)`.execute(db);
  await sql`CREATE INDEX post_search_documents_document_idx ON post_search_documents USING gin (document)`.execute(db);
  // `heading` weights mark the field each word came from: title A, topics B, author C. `document`
  // (every word, body included) only answers "does it match", so it is stored stripped of
  // positions and weights: several times smaller, which is what a match on a common word reads.
  await sql`CREATE FUNCTION refresh_post_search_documents(post_ids text[]) RETURNS void LANGUAGE sql AS $$
    INSERT INTO post_search_documents (post_id, document, heading)
    SELECT f.id, strip(f.heading || to_tsvector('careerfeed_search', f.body)), f.heading
    FROM (
      SELECT p.id, p.text_content AS body,
        setweight(to_tsvector('careerfeed_search', p.title), 'A') ||
        setweight(to_tsvector('careerfeed_search',
          coalesce((SELECT string_agg(t.name, ' ') FROM post_tags pt JOIN tags t ON t.slug = pt.tag_slug
                    WHERE pt.post_id = p.id), '') || ' ' || coalesce(p.category, '')), 'B') ||
        setweight(to_tsvector('careerfeed_search', a.name), 'C') AS heading
      FROM posts p JOIN authors a ON a.id = p.author_id
      WHERE p.id = ANY (post_ids)
    ) f
    ON CONFLICT (post_id) DO UPDATE SET document = excluded.document, heading = excluded.heading
  $$`.execute(db);
  // Inserts and tag changes are handled per statement (a batch of posts is indexed once, not once
  // per tag row); a column list (UPDATE OF) rules out transition tables, so edits are per row.
  await sql`CREATE FUNCTION post_search_refresh_inserted_posts() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN PERFORM refresh_post_search_documents(ARRAY(SELECT id FROM changed)); RETURN NULL; END $$`.execute(db);
  await sql`CREATE FUNCTION post_search_refresh_tagged_posts() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN PERFORM refresh_post_search_documents(ARRAY(SELECT DISTINCT post_id FROM changed)); RETURN NULL; END $$`.execute(
    db,
  );
  await sql`CREATE FUNCTION post_search_refresh_own_post() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN PERFORM refresh_post_search_documents(ARRAY[NEW.id]); RETURN NULL; END $$`.execute(db);
  await sql`CREATE FUNCTION post_search_refresh_author_posts() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM refresh_post_search_documents(ARRAY(SELECT id FROM posts WHERE author_id = NEW.id));
      RETURN NULL;
    END $$`.execute(db);
  await sql`CREATE FUNCTION post_search_refresh_tag_posts() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM refresh_post_search_documents(ARRAY(SELECT post_id FROM post_tags WHERE tag_slug = NEW.slug));
      RETURN NULL;
    END $$`.execute(db);
  await sql`CREATE TRIGGER post_search_posts_inserted AFTER INSERT ON posts REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION post_search_refresh_inserted_posts()`.execute(db);
  await sql`CREATE TRIGGER post_search_post_edited AFTER UPDATE OF title, text_content, author_id, category
    ON posts FOR EACH ROW EXECUTE FUNCTION post_search_refresh_own_post()`.execute(db);
  await sql`CREATE TRIGGER post_search_tags_added AFTER INSERT ON post_tags REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION post_search_refresh_tagged_posts()`.execute(db);
  await sql`CREATE TRIGGER post_search_tags_removed AFTER DELETE ON post_tags REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION post_search_refresh_tagged_posts()`.execute(db);
  await sql`CREATE TRIGGER post_search_author_renamed AFTER UPDATE OF name ON authors
    FOR EACH ROW EXECUTE FUNCTION post_search_refresh_author_posts()`.execute(db);
  await sql`CREATE TRIGGER post_search_tag_renamed AFTER UPDATE OF name ON tags
    FOR EACH ROW EXECUTE FUNCTION post_search_refresh_tag_posts()`.execute(db);
  // Backfill every existing post (a post's row delete removes its document by the foreign key).
  await sql`SELECT refresh_post_search_documents(ARRAY(SELECT id FROM posts))`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) await upPostgres(db);
  else await upSqlite(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`DROP TRIGGER post_search_posts_inserted ON posts`.execute(db);
    await sql`DROP TRIGGER post_search_post_edited ON posts`.execute(db);
    await sql`DROP TRIGGER post_search_tags_added ON post_tags`.execute(db);
    await sql`DROP TRIGGER post_search_tags_removed ON post_tags`.execute(db);
    await sql`DROP TRIGGER post_search_author_renamed ON authors`.execute(db);
    await sql`DROP TRIGGER post_search_tag_renamed ON tags`.execute(db);
    await sql`DROP FUNCTION post_search_refresh_inserted_posts, post_search_refresh_tagged_posts, post_search_refresh_own_post,
      post_search_refresh_author_posts, post_search_refresh_tag_posts, refresh_post_search_documents`.execute(db);
    await sql`DROP TABLE post_search_documents`.execute(db);
    await sql`DROP TEXT SEARCH CONFIGURATION careerfeed_search`.execute(db);
    await sql`DROP TEXT SEARCH DICTIONARY careerfeed_english_stem`.execute(db);
    return;
  }
  for (const trigger of [
    'post_search_post_inserted',
    'post_search_post_updated',
    'post_search_post_visibility_changed',
    'post_search_post_deleted',
    'post_search_tag_added',
    'post_search_tag_removed',
    'post_search_author_renamed',
    'post_search_tag_renamed',
  ]) {
    await sql.raw(`DROP TRIGGER ${trigger}`).execute(db);
  }
  await sql`DROP TABLE post_search_index`.execute(db);
  await sql`DROP TABLE post_search_documents`.execute(db);
}
