import { type Kysely, PostgresAdapter, sql } from 'kysely';

// Frozen in time: never edit a migration that has shipped; add a new one.
//
// SQLite: the search trigger on new post_tags rows (0012) now runs only when the tagged post
// exists. A new post's tags are written before the post itself (posts.repository
// insertPostWithTags), and the post's own insert trigger indexes it with its topics; for such rows
// the refresh found nothing to index, yet its three statements, the FTS5 delete above all, cost
// ~0.05 ms per tag. The refresh is the 0012 one, copied here so this migration stays as it is.
// PostgreSQL's triggers run once per statement and are unchanged.

const REFRESH_TAGGED_POST = `
    INSERT OR IGNORE INTO post_search_documents (post_id, status, published_at_utc)
      SELECT p.id, p.status, p.published_at_utc FROM posts p WHERE p.id = NEW.post_id;
    DELETE FROM post_search_index WHERE rowid IN (
      SELECT d.doc_id FROM post_search_documents d JOIN posts p ON p.id = d.post_id WHERE p.id = NEW.post_id);
    INSERT INTO post_search_index (rowid, title, topics, author, body)
      SELECT d.doc_id, p.title,
        coalesce((SELECT group_concat(t.name, ' ') FROM post_tags pt JOIN tags t ON t.slug = pt.tag_slug
                  WHERE pt.post_id = p.id), '') || ' ' || coalesce(p.category, ''),
        a.name, p.text_content
      FROM posts p
      JOIN post_search_documents d ON d.post_id = p.id
      JOIN authors a ON a.id = p.author_id
      WHERE p.id = NEW.post_id;`;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function isPostgres(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  if (isPostgres(db)) return;
  await sql`DROP TRIGGER post_search_tag_added`.execute(db);
  await sql
    .raw(
      `CREATE TRIGGER post_search_tag_added AFTER INSERT ON post_tags
       WHEN EXISTS (SELECT 1 FROM posts WHERE id = NEW.post_id) BEGIN ${REFRESH_TAGGED_POST} END`,
    )
    .execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  if (isPostgres(db)) return;
  await sql`DROP TRIGGER post_search_tag_added`.execute(db);
  await sql
    .raw(`CREATE TRIGGER post_search_tag_added AFTER INSERT ON post_tags BEGIN ${REFRESH_TAGGED_POST} END`)
    .execute(db);
}
