import path from 'node:path';
import express, { type Request, type Response } from 'express';
import multer from 'multer';
import { AppError, type FieldError, attr, httpUrl, isValidSlug, text } from '@careerfeed/core';
import {
  MAX_IMAGE_BYTES,
  storeImage,
  type AuthorProfile,
  authorProfileSchema,
  getAuthorProfile,
  listAuthorProfiles,
  updateAuthorProfile,
} from '@careerfeed/posts';
import { recordAudit } from '@careerfeed/staff';
import { parseOrThrow } from '../../http/validation';
import { type ConsoleDeps, type ConsoleSection, consoleOf, sendConsolePage, setNotice } from '../console-context';
import { dataTable, errorBox, field, formError, inputField, postForm } from '../page-parts';

interface AuthorForm {
  bio: string;
  photo_url: string;
  links: string;
}

/** Links are edited as lines of "name address-or-handle". */
function linksToText(links: Record<string, string>): string {
  return Object.entries(links)
    .map(([name, value]) => `${name} ${value}`)
    .join('\n');
}

function textToLinks(value: string): { links: Record<string, string>; errors: FieldError[] } {
  const links: Record<string, string> = {};
  const errors: FieldError[] = [];
  value.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '') return;
    const space = line.search(/\s/);
    if (space < 0) {
      errors.push({ path: `links/${index + 1}`, message: 'needs a name, a space, then the address or handle' });
      return;
    }
    links[line.slice(0, space).toLowerCase()] = line.slice(space).trim();
  });
  return { links, errors };
}

function authorSlug(value: string | undefined): string {
  if (!value || value.length > 200 || !isValidSlug(value)) {
    throw new AppError({ code: 'NOT_FOUND', status: 404, detail: 'No author has that address' });
  }
  return value;
}

function editPage(
  res: Response,
  author: AuthorProfile,
  form: AuthorForm,
  problem?: { status: number; detail: string; errors: FieldError[] },
) {
  const errorOf = (name: string) =>
    problem?.errors.find((e) => e.path === name || e.path.startsWith(`${name}/`))?.message;
  const photo = httpUrl(author.photo_url);
  const base = `/console/authors/${encodeURIComponent(author.slug)}`;
  sendConsolePage(res, {
    status: problem?.status,
    title: `Author: ${author.name}`,
    main: [
      `<h1>${text(author.name)}</h1>`,
      `<p class="hint">Slug <code>${text(author.slug)}</code> · <a href="/console/authors">All authors</a></p>`,
      problem ? errorBox('The author was not saved. Please correct the following.', problem.errors) : '',
      photo
        ? `<p><img src="${attr(photo)}" alt="Current photo of ${attr(author.name)}" width="120" height="120"></p>`
        : '',
      postForm(
        res,
        base,
        [
          '<div class="field"><label for="bio">Bio</label>',
          `<textarea id="bio" name="bio" maxlength="5000"${errorOf('bio') ? ' aria-invalid="true"' : ''}>${text(form.bio)}</textarea></div>`,
          inputField('photo_url', 'Photo address (URL)', form.photo_url, {
            type: 'url',
            hint: 'An absolute https:// address of a square image, e.g. one uploaded to the media library. Leave empty for none.',
            error: errorOf('photo_url'),
          }),
          '<div class="field"><label for="links">Social links</label>',
          `<textarea id="links" name="links" aria-describedby="links-hint"${errorOf('links') ? ' aria-invalid="true"' : ''}>${text(form.links)}</textarea>`,
          '<p class="hint" id="links-hint">One per line: a lowercase name, a space, then the address or handle — e.g. <code>linkedin https://www.linkedin.com/in/name</code> or <code>mastodon @name@example.social</code>. At most 20.</p>',
          errorOf('links') ? `<p class="hint"><strong>${text(errorOf('links')!)}</strong></p>` : '',
          '</div>',
        ].join(''),
        'Save author',
      ),
      '<h2>Upload a photo</h2>',
      `<form method="post" enctype="multipart/form-data" action="${attr(`${base}/photo?csrf_token=${encodeURIComponent(consoleOf(res).csrfToken)}`)}">`,
      '<div class="field"><label for="photo">Image file (PNG, JPEG, WebP or GIF, at most 10 MB)</label><input id="photo" name="photo" type="file" accept="image/png,image/jpeg,image/webp,image/gif" required></div>',
      '<button type="submit" class="secondary">Upload and use as photo</button></form>',
    ].join('\n'),
  });
}

const photoUpload = multer({
  storage: multer.memoryStorage(),
  // One byte over the limit is enough to know it is too large.
  limits: { fileSize: MAX_IMAGE_BYTES + 1, files: 1, fields: 5 },
}).single('photo');

/** The uploaded photo, or a message people can act on (never an exception for a bad upload). */
function readPhoto(req: Request, res: Response): Promise<{ file?: Buffer; problem?: string }> {
  return new Promise((resolve) => {
    photoUpload(req, res, (error: unknown) => {
      if (!error) resolve(req.file ? { file: req.file.buffer } : { problem: 'Choose an image file to upload.' });
      else
        resolve({
          problem:
            (error as { code?: string }).code === 'LIMIT_FILE_SIZE'
              ? 'The image is larger than 10 MB; export it smaller and try again.'
              : 'The upload could not be read; reload the page and try again.',
        });
    });
  });
}

/** Editors: every author, and each one's bio, photo and social links. */
export const authorsSection: ConsoleSection = {
  path: '/authors',
  label: 'Authors',
  role: 'editor',
  routes(deps: ConsoleDeps) {
    const router = express.Router();

    router.get('/', async (_req, res) => {
      const authors = await listAuthorProfiles(deps.db.kysely);
      sendConsolePage(res, {
        title: 'Authors',
        main: [
          '<h1>Authors</h1>',
          dataTable(
            'Every author credited on a post',
            ['Name', 'Bio', 'Photo', 'Links'],
            authors.map((a) => [
              `<a href="/console/authors/${attr(encodeURIComponent(a.slug))}">${text(a.name)}</a>`,
              text(a.bio.length > 120 ? `${a.bio.slice(0, 117)}…` : a.bio || '—'),
              a.photo_url ? 'yes' : 'no',
              String(Object.keys(a.links).length),
            ]),
            'No authors yet: an author is created with their first post.',
          ),
        ].join('\n'),
      });
    });

    router.get('/:slug', async (req, res) => {
      const author = await getAuthorProfile(deps.db.kysely, authorSlug(req.params.slug));
      editPage(res, author, { bio: author.bio, photo_url: author.photo_url ?? '', links: linksToText(author.links) });
    });

    router.post('/:slug', async (req, res) => {
      const slug = authorSlug(req.params.slug);
      const author = await getAuthorProfile(deps.db.kysely, slug);
      const form: AuthorForm = {
        bio: field(req.body, 'bio'),
        photo_url: field(req.body, 'photo_url').trim(),
        links: field(req.body, 'links'),
      };
      const parsedLinks = textToLinks(form.links);
      try {
        if (parsedLinks.errors.length > 0) {
          throw new AppError({
            code: 'VALIDATION_FAILED',
            status: 400,
            detail: 'Invalid links',
            errors: parsedLinks.errors,
          });
        }
        const input = parseOrThrow(authorProfileSchema, {
          bio: form.bio,
          photo_url: form.photo_url === '' ? null : form.photo_url,
          links: parsedLinks.links,
        });
        const now = deps.now();
        await updateAuthorProfile(deps.db.kysely, slug, input, now.toISOString());
        await recordAudit(deps.db, {
          actor: consoleOf(res).actor,
          action: 'author.updated',
          target: `author:${slug}`,
          details: { photo: input.photo_url !== null, links: Object.keys(input.links) },
          now,
        });
      } catch (error) {
        const problem = formError(error);
        if (!problem) throw error;
        editPage(res, author, form, problem);
        return;
      }
      setNotice(res, `Saved ${author.name}.`);
      res.redirect(303, `/console/authors/${encodeURIComponent(slug)}`);
    });

    // Multipart: the CSRF token travels in the action URL (checked before the body is read).
    router.post('/:slug/photo', async (req, res) => {
      const slug = authorSlug(req.params.slug);
      const author = await getAuthorProfile(deps.db.kysely, slug);
      const form = { bio: author.bio, photo_url: author.photo_url ?? '', links: linksToText(author.links) };
      const upload = await readPhoto(req, res);
      let url: string;
      try {
        if (!upload.file)
          throw new AppError({
            code: 'VALIDATION_FAILED',
            status: upload.problem?.includes('10 MB') ? 413 : 400,
            detail: upload.problem ?? 'No file',
          });
        url = (await storeImage(path.join(deps.dataDir, 'media'), deps.publicBaseUrl, upload.file)).url;
      } catch (error) {
        const problem = formError(error);
        if (!problem) throw error;
        editPage(res, author, form, { ...problem, errors: [{ path: 'photo', message: problem.detail }] });
        return;
      }
      const now = deps.now();
      await updateAuthorProfile(
        deps.db.kysely,
        slug,
        { bio: author.bio, photo_url: url, links: author.links },
        now.toISOString(),
      );
      await recordAudit(deps.db, {
        actor: consoleOf(res).actor,
        action: 'author.photo_uploaded',
        target: `author:${slug}`,
        details: { url },
        now,
      });
      setNotice(res, `New photo saved for ${author.name}.`);
      res.redirect(303, `/console/authors/${encodeURIComponent(slug)}`);
    });

    return router;
  },
};
