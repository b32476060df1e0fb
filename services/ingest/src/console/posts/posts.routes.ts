import express, { type Request, type Response } from 'express';
import multer from 'multer';
import {
  AppError,
  PAGE_CONTENT_SECURITY_POLICY,
  attr,
  httpUrl,
  localDateTimeToRfc3339,
  nowTimestamp,
  slugify,
  text,
} from '@careerfeed/core';
import {
  type CreatePostInput,
  ImageRejectedError,
  MAX_IMAGE_BYTES,
  type PostResource,
  type PostsDeps,
  createPost,
  createPostSchema,
  getPost,
  listAuthorResources,
  listTopicSuggestions,
  readSite,
  searchPostsForStaff,
  storeImage,
  updatePost,
  updatePostSchema,
} from '@careerfeed/posts';
import { recordAudit } from '@careerfeed/staff';
import path from 'node:path';
import {
  type ConsoleDeps,
  type ConsoleSection,
  consoleOf,
  csrfField,
  sendConsolePage,
  setNotice,
} from '../console-context';
import { scheduledOverview } from '../dashboard/dashboard.service';
import {
  AUTHOR_SELF,
  EMPTY_POST_FORM,
  type PostFormValues,
  TIME_ZONES,
  postState,
  renderPostForm,
  valuesOfPost,
} from './post-form';
import { previewDigest, previewPostPage, previewRssItem, previewSharePayloads } from './post-preview';

const PAGE_SIZE = 20;

/**
 * The `<style>` elements Trix 2.1 inserts when it starts (its editor and toolbar defaults, and an
 * empty one), allowed by hash rather than 'unsafe-inline'. A Trix upgrade that changes them shows
 * in the browser test, which runs the editor under this policy.
 */
export const TRIX_STYLE_HASHES = [
  'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=',
  'sha256-jAP18ioNeNaQBBU5RJvT96kjJnVxHvZs+s8WUNiLnvA=',
  'sha256-c5Z9aB2t69CSpeI1aC8dDLr7LZYZlynV8iY/8Uc9ZFk=',
] as const;
const STATES = ['draft', 'scheduled', 'live'] as const;
type Intent = 'save' | 'preview' | 'schedule' | 'publish';

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function formValuesOf(body: Record<string, unknown>, image: string | null): PostFormValues {
  const tags = ([] as unknown[])
    .concat(body.tags ?? [])
    .map(str)
    .map((t) => t.trim())
    .filter((t) => t !== '');
  return {
    title: str(body.title).trim(),
    slug: str(body.slug).trim(),
    html: str(body.html),
    excerpt: str(body.excerpt).trim(),
    author: str(body.author),
    tags: [...new Set(tags)],
    category: str(body.category).trim(),
    image,
    publishAt: str(body.publish_at),
    timeZone: TIME_ZONES.includes(str(body.time_zone)) ? str(body.time_zone) : 'UTC',
  };
}

const upload = multer({
  storage: multer.memoryStorage(),
  // One byte over the limit is enough to know it is too large; the rest is not kept.
  limits: { fileSize: MAX_IMAGE_BYTES + 1, files: 1, fields: 60, fieldSize: 1_000_000 },
}).single('image_file');

/** Reads the multipart form; a refused upload becomes a message, not an exception. */
function readForm(
  req: Request,
  res: Response,
): Promise<{ file?: Buffer; problem?: { status: number; message: string } }> {
  return new Promise((resolve) => {
    upload(req, res, (error: unknown) => {
      req.body ??= {};
      if (!error) {
        resolve({ file: req.file?.buffer });
        return;
      }
      const code = (error as { code?: string }).code;
      resolve({
        problem:
          code === 'LIMIT_FILE_SIZE'
            ? {
                status: 413,
                message: 'The image is larger than 10 MB. Export it smaller (1600 px wide is plenty) and try again.',
              }
            : { status: 400, message: 'The form could not be read completely. Reload the page and try again.' },
      });
    });
  });
}

function zodMessages(error: { issues: { path: PropertyKey[]; message: string }[] }): string[] {
  const names: Record<string, string> = {
    title: 'Title',
    slug: 'Address (slug)',
    html: 'Body',
    tags: 'Topics',
    category: 'Category',
    excerpt: 'Excerpt',
    author: 'Author',
    image: 'Image',
    published_at: 'Publish at',
  };
  return error.issues.map(
    (issue) => `${names[String(issue.path[0])] ?? String(issue.path[0] ?? 'Post')}: ${issue.message}`,
  );
}

export const postsSection: ConsoleSection = {
  path: '/posts',
  label: 'Posts',
  role: 'editor',
  routes(deps: ConsoleDeps) {
    const router = express.Router();
    const postsDeps = (req: Request): PostsDeps => ({
      db: deps.db,
      publicBaseUrl: deps.publicBaseUrl,
      now: deps.now,
      onEventsWritten: deps.onEventsWritten,
      requestId: consoleOf(req.res!).requestId,
    });

    const formPage = async (
      res: Response,
      input: {
        title: string;
        action: string;
        values: PostFormValues;
        errors?: string[];
        post?: PostResource;
        status?: number;
      },
    ) => {
      const [authors, topics] = await Promise.all([
        listAuthorResources(deps.db.kysely),
        listTopicSuggestions({ db: deps.db, publicBaseUrl: deps.publicBaseUrl }),
      ]);
      sendConsolePage(res, {
        status: input.status,
        title: input.title,
        head: ['<link rel="stylesheet" href="/console/assets/vendor/trix.css">'],
        scripts: ['/console/assets/vendor/trix.js', '/console/assets/console.js'],
        styleHashes: TRIX_STYLE_HASHES,
        main: [
          `<p><a href="/console/posts">← All posts</a>${input.post ? ` · <a href="/console/posts/${attr(input.post.id)}/preview">Preview</a>` : ''}</p>`,
          `<h1>${text(input.title)}</h1>`,
          renderPostForm(res, {
            action: input.action,
            values: input.values,
            authors,
            topics: topics.tags,
            categories: topics.categories,
            errors: input.errors ?? [],
            post: input.post,
            now: deps.now(),
          }),
        ].join('\n'),
      });
    };

    router.get('/', async (req, res) => {
      const q = str(req.query.q).slice(0, 200).trim();
      const state = STATES.find((s) => s === req.query.state);
      const tag = str(req.query.tag).slice(0, 200);
      const page = Math.max(1, Math.min(10_000, Number.parseInt(str(req.query.page), 10) || 1));
      const now = deps.now();
      const [{ items, total }, topics, scheduled] = await Promise.all([
        searchPostsForStaff(postsDeps(req), {
          q: q || undefined,
          state,
          tag: tag || undefined,
          offset: (page - 1) * PAGE_SIZE,
          limit: PAGE_SIZE,
        }),
        listTopicSuggestions({ db: deps.db, publicBaseUrl: deps.publicBaseUrl }),
        scheduledOverview(deps.db, now),
      ]);
      const missed = new Set(scheduled.missed.map((p) => p.id));
      const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
      const query = (p: number) =>
        `/console/posts?${new URLSearchParams({ ...(q ? { q } : {}), ...(state ? { state } : {}), ...(tag ? { tag } : {}), page: String(p) }).toString()}`;
      const rows = items
        .map((post) => {
          const s = postState(post, now);
          const badge = missed.has(post.id)
            ? '<span class="badge warn">missed schedule</span>'
            : `<span class="badge">${s === 'live' ? 'published' : s}</span>`;
          return `<tr><td><a href="/console/posts/${attr(post.id)}">${text(post.title)}</a></td><td>${badge}</td><td>${text(post.author.name)}</td><td>${text(post.tags.join(', '))}</td><td>${post.published_at ? text(post.published_at.slice(0, 16).replace('T', ' ')) : '—'}</td></tr>`;
        })
        .join('');
      const filtered = Boolean(q || state || tag);
      sendConsolePage(res, {
        title: 'Posts',
        main: [
          '<h1>Posts</h1>',
          '<p><a href="/console/posts/new">Write a post</a></p>',
          '<form method="get" action="/console/posts" role="search"><div class="row">',
          `<div class="field"><label for="q">Title contains</label><input id="q" name="q" type="search" value="${attr(q)}"></div>`,
          `<div class="field"><label for="state">State</label><select id="state" name="state"><option value="">Any</option>${STATES.map((s) => `<option value="${s}"${s === state ? ' selected' : ''}>${s === 'live' ? 'published' : s}</option>`).join('')}</select></div>`,
          `<div class="field"><label for="tag">Topic</label><select id="tag" name="tag"><option value="">Any</option>${topics.tags.map((t) => `<option value="${attr(t.slug)}"${t.slug === tag ? ' selected' : ''}>${text(t.name)}</option>`).join('')}</select></div>`,
          '<div class="field"><button type="submit">Filter</button></div>',
          '</div></form>',
          items.length === 0
            ? filtered
              ? '<p class="empty">No post matches these filters. <a href="/console/posts">Show all posts</a>.</p>'
              : '<p class="empty">No posts yet. <a href="/console/posts/new">Write the first one</a>.</p>'
            : `<div class="table"><table><thead><tr><th scope="col">Title</th><th scope="col">State</th><th scope="col">Author</th><th scope="col">Topics</th><th scope="col">Publication</th></tr></thead><tbody>${rows}</tbody></table></div>`,
          pages > 1
            ? `<nav class="pagination" aria-label="Pages">${page > 1 ? `<a rel="prev" href="${attr(query(page - 1))}">← Newer</a>` : ''}<span>Page ${page} of ${pages} (${total} posts)</span>${page < pages ? `<a rel="next" href="${attr(query(page + 1))}">Older →</a>` : ''}</nav>`
            : '',
          '<h2>Next scheduled</h2>',
          scheduled.next.length
            ? `<ul>${scheduled.next.map((p) => `<li><a href="/console/posts/${attr(p.id)}">${text(p.title)}</a> <span class="hint">${text(p.publishedAtUtc.slice(0, 16).replace('T', ' '))} UTC</span></li>`).join('')}</ul>`
            : '<p class="empty">Nothing scheduled.</p>',
          scheduled.missed.length
            ? `<h2>Missed schedules</h2><p>Their time has come but the worker has not handled them yet (no digest or share went out).</p><ul>${scheduled.missed.map((p) => `<li><a href="/console/posts/${attr(p.id)}">${text(p.title)}</a> <span class="badge warn">missed schedule</span></li>`).join('')}</ul>`
            : '',
        ].join('\n'),
      });
    });

    router.get('/new', async (_req, res) => {
      await formPage(res, { title: 'Write a post', action: '/console/posts', values: EMPTY_POST_FORM });
    });

    const save = async (req: Request, res: Response, existing: PostResource | undefined) => {
      const form = await readForm(req, res);
      const body = (req.body ?? {}) as Record<string, unknown>;
      const context = consoleOf(res);
      let image = existing?.image ?? null;
      if (body.remove_image === '1') image = null;
      const errors: string[] = [];
      let status = 422;
      if (form.problem) {
        errors.push(form.problem.message);
        status = form.problem.status;
      } else if (form.file && form.file.length > 0) {
        try {
          image = (await storeImage(path.join(deps.dataDir, 'media'), deps.publicBaseUrl, form.file)).url;
        } catch (error) {
          if (!(error instanceof ImageRejectedError)) throw error;
          errors.push(error.message);
          status = error.status;
        }
      }
      const values = formValuesOf(body, image);
      const intent: Intent =
        (['save', 'preview', 'schedule', 'publish'] as const).find((i) => i === body.intent) ?? 'save';
      const now = deps.now();
      let publication: Pick<CreatePostInput, 'status' | 'published_at'> = existing
        ? { status: existing.status, published_at: existing.published_at }
        : { status: 'draft', published_at: null };
      if (intent === 'publish') {
        const live = existing && postState(existing, now) === 'live';
        publication = { status: 'published', published_at: live ? existing.published_at : nowTimestamp(now).local };
      }
      if (intent === 'schedule') {
        const at = values.publishAt ? localDateTimeToRfc3339(values.publishAt, values.timeZone) : null;
        if (!at) errors.push('Publish at: choose a date and time to schedule the post.');
        else if (Date.parse(at) <= now.getTime())
          errors.push('Publish at: that time has passed; choose a later one, or publish now.');
        else publication = { status: 'published', published_at: at };
      }
      const author =
        values.author === AUTHOR_SELF || values.author === ''
          ? { slug: slugify(context.staff.name) || 'staff', name: context.staff.name }
          : values.author;
      const title = existing ? `Edit “${existing.title}”` : 'Write a post';
      const action = existing ? `/console/posts/${existing.id}` : '/console/posts';
      if (errors.length) {
        await formPage(res, { title, action, values, errors, post: existing, status });
        return;
      }
      const input = {
        title: values.title,
        html: values.html,
        author,
        tags: values.tags,
        category: values.category || null,
        ...publication,
        ...(values.slug ? { slug: values.slug } : {}),
        image,
        ...(values.excerpt ? { excerpt: values.excerpt } : {}),
      };
      const parsed = existing ? updatePostSchema.safeParse(input) : createPostSchema.safeParse(input);
      if (!parsed.success) {
        await formPage(res, { title, action, values, errors: zodMessages(parsed.error), post: existing, status: 422 });
        return;
      }
      let saved: PostResource;
      try {
        saved = existing
          ? (await updatePost(postsDeps(req), existing.id, parsed.data)).post
          : (await createPost(postsDeps(req), parsed.data as CreatePostInput)).post;
      } catch (error) {
        if (error instanceof AppError && error.status < 500) {
          const messages = error.errors?.length
            ? error.errors.map((e) => `${e.path || 'Post'}: ${e.message}`)
            : [error.message];
          await formPage(res, { title, action, values, errors: messages, post: existing, status: error.status });
          return;
        }
        throw error;
      }
      const verb =
        intent === 'publish' ? 'published' : intent === 'schedule' ? 'scheduled' : existing ? 'updated' : 'created';
      await recordAudit(deps.db, {
        actor: context.actor,
        action: `post.${verb}`,
        target: `post:${saved.id}`,
        details: { slug: saved.slug, status: saved.status, published_at: saved.published_at },
        now,
      });
      setNotice(
        res,
        intent === 'publish'
          ? `Published: ${saved.url}`
          : intent === 'schedule'
            ? `Scheduled for ${saved.published_at ?? ''}.`
            : 'Saved.',
      );
      res.redirect(303, intent === 'preview' ? `/console/posts/${saved.id}/preview` : `/console/posts/${saved.id}`);
    };

    router.post('/', (req, res) => save(req, res, undefined));

    const loadPost = async (req: Request) => getPost(postsDeps(req), String(req.params.id));

    router.get('/:id', async (req, res) => {
      const post = await loadPost(req);
      await formPage(res, {
        title: `Edit “${post.title}”`,
        action: `/console/posts/${post.id}`,
        values: valuesOfPost(post),
        post,
      });
    });

    router.post('/:id', async (req, res) => save(req, res, await loadPost(req)));

    router.get('/:id/unpublish', async (req, res) => {
      const post = await loadPost(req);
      sendConsolePage(res, {
        title: `Unpublish “${post.title}”?`,
        main: [
          `<h1>Unpublish “${text(post.title)}”?</h1>`,
          '<p>The post leaves the site, the feeds and future digests, and goes back to the drafts. Mails and shares already sent stay sent.</p>',
          `<form method="post" action="/console/posts/${attr(post.id)}/unpublish">${csrfField(res)}<div class="actions"><button class="danger" type="submit">Unpublish</button><a href="/console/posts/${attr(post.id)}">Cancel</a></div></form>`,
        ].join('\n'),
      });
    });

    router.post('/:id/unpublish', async (req, res) => {
      const post = await loadPost(req);
      await updatePost(postsDeps(req), post.id, { status: 'draft' });
      await recordAudit(deps.db, {
        actor: consoleOf(res).actor,
        action: 'post.unpublished',
        target: `post:${post.id}`,
        details: { slug: post.slug },
        now: deps.now(),
      });
      setNotice(res, 'Unpublished: the post is a draft again.');
      res.redirect(303, `/console/posts/${post.id}`);
    });

    router.get('/:id/preview', async (req, res) => {
      const post = await loadPost(req);
      const site = await readSite(deps.db.kysely);
      const rss = previewRssItem(post, site, deps.publicBaseUrl);
      const digest = await previewDigest(post, site, deps.publicBaseUrl);
      const shares = previewSharePayloads(post, deps.share ?? { mastodon: { maxChars: 500, urlLength: 23 } });
      const state = postState(post, deps.now());
      sendConsolePage(res, {
        title: `Preview “${post.title}”`,
        main: [
          `<p><a href="/console/posts/${attr(post.id)}">← Back to editing</a></p>`,
          `<h1>Preview “${text(post.title)}”</h1>`,
          state !== 'live'
            ? `<p class="notice">This post is ${state === 'draft' ? 'a draft' : `scheduled for ${text(post.published_at ?? '')}`}: readers see none of this yet.</p>`
            : '',
          '<h2>Post page</h2>',
          `<p>At ${httpUrl(post.url) ? `<code>${text(post.url)}</code>` : ''} once visible. <a href="/console/posts/${attr(post.id)}/preview/page" target="_blank">Open the page alone</a>.</p>`,
          `<iframe title="Post page preview" src="/console/posts/${attr(post.id)}/preview/page" width="100%" height="600"></iframe>`,
          '<h2>RSS item</h2>',
          `<div class="table"><pre tabindex="0" aria-label="RSS item XML"><code>${text(rss)}</code></pre></div>`,
          '<h2>Digest entry</h2>',
          `<p>Subject of a weekly digest with only this post: <strong>${text(digest.subject)}</strong></p>`,
          `<iframe title="Digest preview" src="/console/posts/${attr(post.id)}/preview/digest" width="100%" height="600"></iframe>`,
          `<details><summary>Plain-text version</summary><pre tabindex="0">${text(digest.text)}</pre></details>`,
          '<h2>Share payloads</h2>',
          shares
            .map(
              (s) =>
                `<section class="card"><h3>${text(s.network)}</h3><p>${s.length > s.limit ? '<span class="badge warn">too long</span> ' : ''}<strong>${s.length} / ${s.limit}</strong> ${text(s.unit)}</p><pre class="wrap-text">${text(s.text)}</pre><details><summary>Payload</summary><pre tabindex="0"><code>${text(s.json)}</code></pre></details></section>`,
            )
            .join('\n'),
        ].join('\n'),
      });
    });

    // The framed previews: the post page with the public pages' own policy (so the preview runs
    // under the same rules as the real page), framable by the console only.
    const framable = (policy: string) => policy.replace("frame-ancestors 'none'", "frame-ancestors 'self'");
    router.get('/:id/preview/page', async (req, res) => {
      const post = await loadPost(req);
      const site = await readSite(deps.db.kysely);
      res.setHeader('Content-Security-Policy', framable(PAGE_CONTENT_SECURITY_POLICY));
      res.setHeader('Cache-Control', 'no-store');
      res.type('html').send(previewPostPage(post, site, deps.publicBaseUrl));
    });
    router.get('/:id/preview/digest', async (req, res) => {
      const post = await loadPost(req);
      const site = await readSite(deps.db.kysely);
      const digest = await previewDigest(post, site, deps.publicBaseUrl);
      // Mail HTML styles itself inline (as mail clients need); no script may run.
      res.setHeader(
        'Content-Security-Policy',
        "default-src 'none'; img-src https: http: data:; style-src 'unsafe-inline'; frame-ancestors 'self'; sandbox",
      );
      res.setHeader('Cache-Control', 'no-store');
      res.type('html').send(digest.html);
    });

    return router;
  },
};
