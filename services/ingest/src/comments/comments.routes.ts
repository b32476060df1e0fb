import { Router } from 'express';
import { AppError } from '@careerfeed/core';
import { type Authenticate, jsonBody, methodNotAllowed } from '@careerfeed/http';
import {
  type CommentsDeps,
  deleteComment,
  getComment,
  listComments,
  listCommentsQuerySchema,
  setCommentStatus,
  toCommentPage,
  toCommentResource,
  updateCommentSchema,
} from '@careerfeed/comments';
import { parseOrThrow } from '../http/validation';

const ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function commentId(value: string): string {
  if (!ID_PATTERN.test(value)) {
    throw new AppError({ code: 'NOT_FOUND', status: 404, detail: `No comment has the id "${value.slice(0, 80)}"` });
  }
  return value;
}

/**
 * Moderation: list, approve / hold / spam / trash, delete. Scope posts:write, the editors' scope:
 * moderating readers' comments is editorial work, like writing posts, and WordPress lets editors
 * do it. Comments hold readers' email addresses, which is why the routes need a key at all.
 */
export function commentsRouter(deps: CommentsDeps, authenticate: Authenticate): Router {
  const router = Router();
  const editor = authenticate('posts:write');

  router
    .route('/comments')
    .get(editor, async (req, res) => {
      const query = parseOrThrow(listCommentsQuerySchema, { ...req.query }, 'query');
      const list = await listComments(deps, {
        status: query.status,
        postId: query.post_id,
        cursor: query.cursor,
        limit: query.limit,
      });
      res.setHeader('Cache-Control', 'no-store');
      res.json(toCommentPage(list));
    })
    .all(methodNotAllowed(['GET']));

  router
    .route('/comments/:id')
    .get(editor, async (req, res) => {
      res.setHeader('Cache-Control', 'no-store');
      res.json(toCommentResource(await getComment(deps, commentId(req.params.id))));
    })
    .patch(editor, ...jsonBody, async (req, res) => {
      const id = commentId(req.params.id);
      const { status } = parseOrThrow(updateCommentSchema, req.body);
      res.json(toCommentResource(await setCommentStatus(deps, id, status)));
    })
    .delete(editor, async (req, res) => {
      await deleteComment(deps, commentId(req.params.id));
      res.status(204).end();
    })
    .all(methodNotAllowed(['GET', 'PATCH', 'DELETE']));

  return router;
}
