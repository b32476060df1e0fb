import { Router } from 'express';
import { AppError } from '@careerfeed/core';
import { type Authenticate, jsonBody, methodNotAllowed, requestIdOf } from '@careerfeed/http';
import { parseOrThrow } from '../http/validation';
import { assertNotPartnerSource, createPostSchema, listPostsQuerySchema, updatePostSchema } from '@careerfeed/posts';
import * as posts from '@careerfeed/posts';

const ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function postId(value: string): string {
  // Anything that is not one of our ids cannot name a post: answer 404 without asking the database.
  if (!ID_PATTERN.test(value))
    throw new AppError({ code: 'NOT_FOUND', status: 404, detail: `No post has the id "${value.slice(0, 80)}"` });
  return value;
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
