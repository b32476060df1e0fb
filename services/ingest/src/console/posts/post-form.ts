import type { Response } from 'express';
import { attr, httpUrl, text } from '@careerfeed/core';
import type { AuthorResource, PostResource } from '@careerfeed/posts';
import { consoleOf } from '../console-context';

/** What the form holds: as typed, so a refused form comes back as the person left it. */
export interface PostFormValues {
  title: string;
  slug: string;
  html: string;
  excerpt: string;
  author: string;
  tags: string[];
  category: string;
  image: string | null;
  publishAt: string;
  timeZone: string;
}

export const EMPTY_POST_FORM: PostFormValues = {
  title: '',
  slug: '',
  html: '',
  excerpt: '',
  author: '',
  tags: [],
  category: '',
  image: null,
  publishAt: '',
  timeZone: 'UTC',
};

/** The value of the new-author option: the signed-in staff member becomes the post's author. */
export const AUTHOR_SELF = '__self__';

export const TIME_ZONES = ['UTC', ...Intl.supportedValuesOf('timeZone').filter((zone) => zone !== 'UTC')];

/** Where a post stands, in words staff use. */
export function postState(
  post: Pick<PostResource, 'status' | 'published_at'>,
  now: Date,
): 'draft' | 'scheduled' | 'live' {
  if (post.status === 'draft' || post.published_at === null) return 'draft';
  return Date.parse(post.published_at) > now.getTime() ? 'scheduled' : 'live';
}

export function valuesOfPost(post: PostResource): PostFormValues {
  return {
    title: post.title,
    slug: post.slug,
    html: post.html,
    // Empty: the stored excerpt stays unless staff write a new one (a derived excerpt must keep
    // following the body, which it would not once sent back as if written).
    excerpt: '',
    author: post.author.slug,
    tags: post.tags,
    category: post.category ?? '',
    image: post.image,
    // Shown in UTC with the UTC zone selected, so saving again keeps the same instant.
    publishAt: post.published_at ? new Date(post.published_at).toISOString().slice(0, 19) : '',
    timeZone: 'UTC',
  };
}

export interface PostFormView {
  action: string;
  values: PostFormValues;
  authors: AuthorResource[];
  topics: { name: string; posts: number }[];
  categories: string[];
  errors: string[];
  post?: PostResource;
  now: Date;
}

function field(id: string, label: string, control: string, hint = ''): string {
  return `<div class="field"><label for="${id}">${text(label)}</label>${control}${hint ? `<p class="hint" id="${id}-hint">${text(hint)}</p>` : ''}</div>`;
}

/** The write/edit form: one multipart form (the image travels with the post), usable without JavaScript. */
export function renderPostForm(res: Response, view: PostFormView): string {
  const { values } = view;
  const csrf = consoleOf(res).csrfToken;
  const staffName = consoleOf(res).staff.name;
  const authorOptions = [
    ...view.authors.map(
      (a) => `<option value="${attr(a.slug)}"${a.slug === values.author ? ' selected' : ''}>${text(a.name)}</option>`,
    ),
    `<option value="${AUTHOR_SELF}"${values.author === AUTHOR_SELF ? ' selected' : ''}>${text(`Me (${staffName}) — new author`)}</option>`,
  ].join('');
  // Five topic fields, each suggesting the topics in use: <datalist> works without JavaScript.
  const tagFields = Array.from({ length: Math.max(5, values.tags.length + 2) }, (_, i) => values.tags[i] ?? '')
    .map(
      (tag, i) =>
        `<input id="tag-${i}" name="tags" type="text" list="topic-list" maxlength="64" value="${attr(tag)}" aria-label="Topic ${i + 1}">`,
    )
    .join('');
  const image = httpUrl(values.image);
  const state = view.post ? postState(view.post, view.now) : 'draft';
  const zoneOptions = TIME_ZONES.map(
    (z) => `<option${z === values.timeZone ? ' selected' : ''}>${text(z)}</option>`,
  ).join('');
  return [
    view.errors.length
      ? `<div class="errors" role="alert"><p>The post was not saved:</p><ul>${view.errors.map((e) => `<li>${text(e)}</li>`).join('')}</ul></div>`
      : '',
    `<form method="post" enctype="multipart/form-data" action="${attr(`${view.action}?csrf_token=${encodeURIComponent(csrf)}`)}">`,
    field(
      'title',
      'Title',
      `<input id="title" name="title" type="text" required maxlength="500" value="${attr(values.title)}">`,
    ),
    field(
      'slug',
      'Address (slug)',
      `<input id="slug" name="slug" type="text" maxlength="80" pattern="[a-z0-9]+(-[a-z0-9]+)*" value="${attr(values.slug)}" aria-describedby="slug-hint">`,
      'Lowercase words joined by dashes; left empty, it is made from the title.',
    ),
    field(
      'html',
      'Body',
      `<textarea id="html" name="html" rows="16" data-rich-text aria-describedby="html-hint">${text(values.html)}</textarea>`,
      'HTML is allowed; scripts, styles and unknown markup are removed when saving, as for the API.',
    ),
    field(
      'excerpt',
      'Excerpt',
      `<textarea id="excerpt" name="excerpt" rows="3" maxlength="2000" class="short" aria-describedby="excerpt-hint">${text(values.excerpt)}</textarea>`,
      view.post
        ? `Shown in feeds, digests and shares. Now: “${view.post.excerpt.slice(0, 300)}”. Left empty, it stays as it is.`
        : 'Shown in feeds, digests and shares. Left empty, it is the start of the body.',
    ),
    '<div class="row">',
    field('author', 'Author', `<select id="author" name="author">${authorOptions}</select>`),
    field(
      'category',
      'Category',
      `<input id="category" name="category" type="text" list="category-list" maxlength="64" value="${attr(values.category)}">`,
    ),
    '</div>',
    `<fieldset><legend>Topics</legend><div class="row">${tagFields}</div><p class="hint">Pick existing topics as you type, or write a new one.</p></fieldset>`,
    `<datalist id="topic-list">${view.topics.map((t) => `<option value="${attr(t.name)}">${t.posts} post(s)</option>`).join('')}</datalist>`,
    `<datalist id="category-list">${view.categories.map((c) => `<option value="${attr(c)}"></option>`).join('')}</datalist>`,
    '<fieldset><legend>Featured image</legend>',
    image
      ? `<p><img src="${attr(image)}" alt="Current featured image" width="320"></p><p class="choices"><label><input type="checkbox" name="remove_image" value="1"> Remove this image</label></p>`
      : '<p class="hint">No image yet.</p>',
    field(
      'image_file',
      image ? 'Replace with' : 'Upload',
      '<input id="image_file" name="image_file" type="file" accept="image/png,image/jpeg,image/webp,image/gif">',
      'PNG, JPEG, WebP or GIF, at most 10 MB. Feeds carry it as the post’s image.',
    ),
    '</fieldset>',
    '<fieldset><legend>Publication</legend>',
    `<p>Now: <strong>${text(state === 'live' ? 'published' : state)}</strong>${view.post?.published_at && state !== 'draft' ? ` — ${text(view.post.published_at)}` : ''}</p>`,
    '<div class="row">',
    field(
      'publish_at',
      'Publish at',
      `<input id="publish_at" name="publish_at" type="datetime-local" step="1" value="${attr(values.publishAt)}">`,
    ),
    field(
      'time_zone',
      'Time zone',
      `<select id="time_zone" name="time_zone" data-guess-time-zone>${zoneOptions}</select>`,
    ),
    '</div>',
    '</fieldset>',
    '<div class="actions">',
    `<button type="submit" name="intent" value="save" class="secondary">${state === 'draft' ? 'Save draft' : 'Save changes'}</button>`,
    '<button type="submit" name="intent" value="preview" class="secondary">Save and preview</button>',
    '<button type="submit" name="intent" value="schedule" class="secondary">Schedule at the time above</button>',
    `<button type="submit" name="intent" value="publish">${state === 'live' ? 'Save and keep published' : 'Publish now'}</button>`,
    '</div>',
    '</form>',
    view.post && state !== 'draft'
      ? `<p><a href="/console/posts/${attr(view.post.id)}/unpublish">Unpublish…</a></p>`
      : '',
  ].join('\n');
}
