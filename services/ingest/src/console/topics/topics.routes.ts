import express, { type Response } from 'express';
import { AppError, type FieldError, attr, isValidSlug, text } from '@careerfeed/core';
import { publishFeedInvalidation } from '@careerfeed/jobs';
import { type TopicKind, listTopics, mergeTopic, previewTopicMerge, renameTag } from '@careerfeed/posts';
import { recordAudit } from '@careerfeed/staff';
import { type ConsoleDeps, type ConsoleSection, consoleOf, sendConsolePage, setNotice } from '../console-context';
import { confirmPage, dataTable, errorBox, field, formError, postForm, when } from '../page-parts';

function topicKind(value: string): TopicKind {
  if (value === 'tag' || value === 'category') return value;
  throw new AppError({
    code: 'VALIDATION_FAILED',
    status: 400,
    detail: 'kind must be "tag" or "category"',
    errors: [{ path: 'kind', message: 'must be tag or category' }],
  });
}

function existingSlug(value: string, what: string): string {
  if (value.length === 0 || value.length > 200 || !isValidSlug(value)) {
    throw new AppError({ code: 'NOT_FOUND', status: 404, detail: `No ${what} "${value.slice(0, 80)}" exists` });
  }
  return value;
}

/** Editors: tags and categories with their counts; rename a tag; merge one topic into another. */
export const topicsSection: ConsoleSection = {
  path: '/topics',
  label: 'Topics',
  role: 'editor',
  routes(deps: ConsoleDeps) {
    const router = express.Router();

    /** Feeds list tags and categories on every item: drop every cached feed (merges are rare). */
    async function invalidateFeeds(scopes: string[]): Promise<boolean> {
      try {
        await publishFeedInvalidation(deps.redis, deps.redisPrefix, scopes, deps.feedCacheRefresher);
        return true;
      } catch (error) {
        deps.logger.warn(
          { err: error },
          'feed invalidation after a topic change failed; cached feeds expire on their own',
        );
        return false;
      }
    }

    async function listPage(res: Response, problem?: { status: number; detail: string; errors: FieldError[] }) {
      const model = await listTopics(deps.db);
      const mergeForm = (kind: TopicKind, options: { slug: string; label: string }[]) =>
        options.length < 1
          ? ''
          : [
              `<form method="get" action="/console/topics/merge"><input type="hidden" name="kind" value="${kind}">`,
              '<div class="row">',
              `<div class="field"><label for="${kind}-from">Merge this ${kind}</label><select id="${kind}-from" name="from">${options
                .map((o) => `<option value="${attr(o.slug)}">${text(o.label)}</option>`)
                .join('')}</select></div>`,
              `<div class="field"><label for="${kind}-into">into (an existing slug, or a new one to rename)</label><input id="${kind}-into" name="into" type="text" required maxlength="64"></div>`,
              '</div>',
              `<p class="hint">Next you will see what moves and confirm.</p><button type="submit" class="secondary">Review ${kind} merge</button></form>`,
            ].join('');
      sendConsolePage(res, {
        status: problem?.status,
        title: 'Topics',
        main: [
          '<h1>Topics</h1>',
          problem ? errorBox(problem.detail, problem.errors) : '',
          '<h2>Tags</h2>',
          dataTable(
            'Tags with their number of posts',
            ['Name', 'Slug', 'Posts', 'Rename (the address stays)'],
            model.tags.map((t) => [
              text(t.name),
              `<code>${text(t.slug)}</code>`,
              String(t.posts),
              postForm(
                res,
                `/console/topics/tags/${encodeURIComponent(t.slug)}/rename`,
                `<input name="name" type="text" value="${attr(t.name)}" maxlength="100" required aria-label="New name for the tag ${attr(t.slug)}">`,
                'Rename',
                { buttonClass: 'secondary' },
              ),
            ]),
            'No tags yet: tags come with posts.',
          ),
          mergeForm(
            'tag',
            model.tags.map((t) => ({ slug: t.slug, label: `${t.name} (${t.slug}, ${t.posts} posts)` })),
          ),
          '<h2>Categories</h2>',
          dataTable(
            'Categories with their number of posts',
            ['Slug', 'Posts'],
            model.categories.map((c) => [`<code>${text(c.slug)}</code>`, String(c.posts)]),
            'No categories yet: categories come with posts.',
          ),
          mergeForm(
            'category',
            model.categories.map((c) => ({ slug: c.slug, label: `${c.slug} (${c.posts} posts)` })),
          ),
          '<h2>Old addresses that redirect</h2>',
          dataTable(
            'Merged topics: their old pages and feeds answer with a permanent redirect',
            ['Kind', 'Old slug', 'Now', 'Since'],
            model.redirects.map((r) => [
              text(r.kind),
              `<code>${text(r.from_slug)}</code>`,
              `<code>${text(r.to_slug)}</code>`,
              when(r.created_at),
            ]),
            'No topic has been merged yet.',
          ),
        ].join('\n'),
      });
    }

    router.get('/', async (_req, res) => listPage(res));

    router.post('/tags/:slug/rename', async (req, res) => {
      const slug = existingSlug(req.params.slug, 'tag');
      const name = field(req.body, 'name');
      try {
        await renameTag(deps.db, slug, name);
      } catch (error) {
        const problem = formError(error);
        if (!problem) throw error;
        await listPage(res, problem);
        return;
      }
      await recordAudit(deps.db, {
        actor: consoleOf(res).actor,
        action: 'tag.renamed',
        target: `tag:${slug}`,
        details: { name },
        now: deps.now(),
      });
      await invalidateFeeds([`tag:${slug}`, '*']);
      setNotice(res, `Renamed the tag ${slug}.`);
      res.redirect(303, '/console/topics');
    });

    // The confirmation step: a GET that says what will move, holding the POST form.
    router.get('/merge', async (req, res) => {
      const kind = topicKind(String(req.query.kind ?? ''));
      const from = existingSlug(String(req.query.from ?? ''), kind);
      const into = String(req.query.into ?? '').trim();
      if (into === '') {
        await listPage(res, {
          status: 400,
          detail: `Name the ${kind} to merge ${from} into.`,
          errors: [{ path: 'into', message: 'is required' }],
        });
        return;
      }
      const preview = await previewTopicMerge(deps.db, kind, from);
      const segment = kind === 'tag' ? 'tags' : 'categories';
      sendConsolePage(res, {
        title: `Merge ${kind} ${from}`,
        main: confirmPage(res, {
          heading: `Merge the ${kind} “${from}” into “${into}”?`,
          consequences: [
            `${preview.posts} posts move from ${from} to ${into}${kind === 'category' ? ' (partner sources in this category too)' : ''}.`,
            `${preview.subscribers} subscribers who follow ${from} will follow ${into}.`,
            `/${segment}/${from}/ and its feeds will redirect permanently (301) to /${segment}/${into}/.`,
            `The ${kind} ${from} disappears. This cannot be undone from the console.`,
          ],
          action: '/console/topics/merge',
          fields: { kind, from, into },
          confirmLabel: `Merge into ${into}`,
          cancelHref: '/console/topics',
        }),
      });
    });

    router.post('/merge', async (req, res) => {
      const kind = topicKind(field(req.body, 'kind'));
      const from = existingSlug(field(req.body, 'from'), kind);
      const into = field(req.body, 'into').trim();
      let result;
      try {
        result = await mergeTopic({ db: deps.db, now: deps.now }, kind, from, into);
      } catch (error) {
        const problem = formError(error);
        if (!problem) throw error;
        await listPage(res, problem);
        return;
      }
      await recordAudit(deps.db, {
        actor: consoleOf(res).actor,
        action: `${kind}.merged`,
        target: `${kind}:${from}`,
        details: { into: result.to, posts: result.posts, subscribers: result.subscribers },
        now: deps.now(),
      });
      const invalidated = await invalidateFeeds(result.scopes);
      setNotice(
        res,
        `Merged ${from} into ${result.to}: ${result.posts} posts and ${result.subscribers} subscribers moved.${invalidated ? '' : ' Cached feeds refresh within minutes.'}`,
      );
      res.redirect(303, '/console/topics');
    });

    return router;
  },
};
