import { AppError } from '@careerfeed/core';
import type { CreatePostInput } from './posts.schema';

/** At most this many posts per `POST /v1/posts:batch`: a batch is one transaction, and holds the write lock. */
export const BATCH_MAX_POSTS = 500;
/** The whole batch body: 500 posts of ~10 KB each. Larger batches get 413 before the body is read. */
export const BATCH_MAX_BYTES = 5 * 1024 * 1024;

/** The key that makes two items of a batch the same post. */
function upsertKey(input: CreatePostInput): string | null {
  return input.external_id === undefined ? null : `${input.source ?? 'api'}\u0000${input.external_id}`;
}

/**
 * The items of a batch that repeat an earlier item's `(source, external_id)`. Saving both would
 * make the second silently overwrite the first inside one request, so the later ones are refused
 * (422 in their slot) and the first is stored.
 */
export function findRepeatedExternalIds(inputs: (CreatePostInput | null)[]): Map<number, AppError> {
  const firstIndex = new Map<string, number>();
  const repeated = new Map<number, AppError>();
  inputs.forEach((input, index) => {
    const key = input ? upsertKey(input) : null;
    if (key === null) return;
    const first = firstIndex.get(key);
    if (first === undefined) {
      firstIndex.set(key, index);
      return;
    }
    repeated.set(
      index,
      new AppError({
        code: 'DUPLICATE_IN_BATCH',
        status: 422,
        detail: `external_id "${input!.external_id}" was already used by item ${first} of this batch; send each post once`,
        errors: [{ path: `posts/${index}/external_id`, message: `repeats item ${first}` }],
      }),
    );
  });
  return repeated;
}
