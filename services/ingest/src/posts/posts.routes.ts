import { Router } from 'express';
import { AppError, toProblem } from '@careerfeed/core';
import { type Authenticate, jsonBody, jsonBodyUpTo, methodNotAllowed, requestIdOf } from '@careerfeed/http';
import { parseOrThrow } from '../http/validation';
import {
  BATCH_MAX_BYTES,
  BATCH_MAX_POSTS,
  type CreatePostInput,
  assertNotPartnerSource,
  createPostSchema,
  findRepeatedExternalIds,
  listPostsQuerySchema,
  updatePostSchema,
} from '@careerfeed/posts';
import * as posts from '@careerfeed/posts';

const ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function postId(value: string): string {
  // Anything that is not one of our ids cannot name a post: answer 404 without asking the database.
  if (!ID_PATTERN.test(value))
    throw new AppError({ code: 'NOT_FOUND', status: 404, detail: `No post has the id "${value.slice(0, 80)}"` });
  return value;
}

/** The `posts` array of a batch body; a batch over the limit is refused whole (413), like an oversized body. */
function batchItems(body: unknown): unknown[] {
  const posts =
    typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as { posts?: unknown }).posts : undefined;
  if (!Array.isArray(posts) || Object.keys(body as object).some((key) => key !== 'posts')) {
    throw new AppError({
      code: 'VALIDATION_FAILED',
      status: 400,
      detail: 'Send {"posts": [...]}: an object whose only field is an array of posts, each as POST /v1/posts takes it',
      errors: [{ path: 'posts', message: 'must be an array of posts' }],
    });
  }
  if (posts.length === 0) {
    throw new AppError({
      code: 'VALIDATION_FAILED',
      status: 400,
      detail: 'The batch is empty; send between 1 and 500 posts',
      errors: [{ path: 'posts', message: 'must hold at least one post' }],
    });
  }
  if (posts.length > BATCH_MAX_POSTS) {
    throw new AppError({
      code: 'PAYLOAD_TOO_LARGE',
      status: 413,
      detail: `The batch holds ${posts.length} posts; send at most ${BATCH_MAX_POSTS} per request`,
    });
  }
  return posts;
}

export function postsRouter(deps: posts.PostsDeps, authenticate: Authenticate): Router {
  const router = Router();
  const writer = authenticate('posts:write');

  router
    .route('/posts')
    .post(writer, ...jsonBody, async (req, res) => {
      const input = parseOrThrow(createPostSchema, req.body);
      if (input.source !== undefined) await assertNotPartnerSource(deps.db, input.source);
      const result = await posts.createPost({ ...deps, requestId: requestIdOf(req) }, input);
      if (result.created) res.status(201).location(`/v1/posts/${result.post.id}`);
      res.json(result.post);
    })
    .get(writer, async (req, res) => {
      const page = await posts.listPosts(deps, parseOrThrow(listPostsQuerySchema, { ...req.query }, 'query'));
      if (page.next_cursor) {
        const next = new URLSearchParams({ ...(req.query as Record<string, string>), cursor: page.next_cursor });
        res.setHeader('Link', `</v1/posts?${next.toString()}>; rel="next"`);
      }
      res.json(page);
    })
    .all(methodNotAllowed(['GET', 'POST']));

  // Express paths treat ":" as a parameter marker; the backslash makes it the literal of "posts:batch".
  router
    .route('/posts\\:batch')
    .post(
      authenticate('posts:write', { bodyLimitBytes: BATCH_MAX_BYTES }),
      ...jsonBodyUpTo(BATCH_MAX_BYTES),
      async (req, res) => {
        const items = batchItems(req.body);
        const refused = new Map<number, AppError>();
        const inputs = await Promise.all(
          items.map(async (item, index): Promise<CreatePostInput | null> => {
            try {
              const input = parseOrThrow(createPostSchema, item, `posts/${index}`);
              if (input.source !== undefined) await assertNotPartnerSource(deps.db, input.source);
              return input;
            } catch (error) {
              if (!(error instanceof AppError)) throw error;
              refused.set(index, error);
              return null;
            }
          }),
        );
        for (const [index, error] of findRepeatedExternalIds(inputs)) {
          refused.set(index, error);
          inputs[index] = null;
        }
        const saved = await posts.createPostsBatch({ ...deps, requestId: requestIdOf(req) }, inputs);
        const results = saved.map((slot, index) => {
          const error = refused.get(index) ?? (slot && !slot.ok ? slot.error : undefined);
          if (error) return { status: error.status, problem: toProblem(error) };
          const ok = slot as Extract<posts.BatchItemResult, { ok: true }>;
          return { status: ok.saved.created ? 201 : 200, post: ok.saved.post };
        });
        res.status(207).json({ results });
      },
    )
    .all(methodNotAllowed(['POST']));

  router
    .route('/posts/:id')
    .get(writer, async (req, res) => {
      res.json(await posts.getPost(deps, postId(req.params.id)));
    })
    .patch(writer, ...jsonBody, async (req, res) => {
      const id = postId(req.params.id);
      res.json(
        (await posts.updatePost({ ...deps, requestId: requestIdOf(req) }, id, parseOrThrow(updatePostSchema, req.body)))
          .post,
      );
    })
    .delete(writer, async (req, res) => {
      await posts.deletePost({ ...deps, requestId: requestIdOf(req) }, postId(req.params.id));
      res.status(204).end();
    })
    .all(methodNotAllowed(['GET', 'PATCH', 'DELETE']));

  router
    .route('/posts/:id/share-payloads')
    .get(writer, async (req, res) => {
      res.json(await posts.getSharePayloads(deps, postId(req.params.id)));
    })
    .all(methodNotAllowed(['GET']));

  return router;
}
