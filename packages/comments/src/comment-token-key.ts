import type { Db } from '@careerfeed/db';

/** The HMAC key of comment form tokens and reply links, created by migration 0013; read once, kept. */
export function cachedCommentTokenKey(db: Db): () => Promise<Buffer> {
  let value: Promise<Buffer> | undefined;
  return () => {
    value ??= db.kysely
      .selectFrom('settings')
      .select('value')
      .where('key', '=', 'comment-token-key')
      .executeTakeFirstOrThrow()
      .then((row) => Buffer.from(JSON.parse(row.value) as string, 'base64url'))
      .catch((error: unknown) => {
        value = undefined;
        throw error;
      });
    return value;
  };
}
