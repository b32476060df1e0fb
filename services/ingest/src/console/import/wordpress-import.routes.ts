import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import express, { type Request, type Response } from 'express';
import multer from 'multer';
import { AppError, attr, text } from '@careerfeed/core';
import { type Actor, recordAudit } from '@careerfeed/staff';
import { redirectsCsv, redirectsNginxMap } from '@careerfeed/wordpress';
import { type ConsoleDeps, type ConsoleSection, consoleOf, sendConsolePage } from '../console-context';
import { dataTable, errorBox, when } from '../page-parts';
import { type ImportJob, createImportRunner } from './wordpress-import.job';

/** WordPress exports of a career blog are a few MB; a decade of a large one stays well below this. */
export const MAX_WXR_BYTES = 512 * 1024 * 1024;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function mib(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1);
}

/** Does the file start like XML (after a byte-order mark and blank space)? A ZIP, a PDF or a CSV does not. */
function looksLikeXml(file: string): boolean {
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(512);
    const n = fs.readSync(fd, head, 0, head.length, 0);
    return /^(\uFEFF)?\s*</.test(head.subarray(0, n).toString('utf8'));
  } finally {
    fs.closeSync(fd);
  }
}

/** Uploads an earlier process left behind (it stopped mid-import) are never read again. */
const STALE_UPLOAD_MS = 24 * 60 * 60 * 1000;

function removeStaleUploads(dir: string): void {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return; // No upload yet.
  }
  const cutoff = Date.now() - STALE_UPLOAD_MS;
  for (const name of names) {
    const file = path.join(dir, name);
    try {
      if (fs.statSync(file).mtimeMs < cutoff) fs.rmSync(file, { force: true });
    } catch {
      // Gone meanwhile: nothing to do.
    }
  }
}

function uploadForm(res: Response, problem?: string): string {
  const token = consoleOf(res).csrfToken;
  return [
    errorBox(problem),
    // Multipart: the CSRF token rides in the action (docs/console.md).
    `<form method="post" action="/console/import?csrf_token=${attr(token)}" enctype="multipart/form-data">`,
    '<div class="field"><label for="wxr">WordPress export file (WXR)</label>',
    `<input id="wxr" name="wxr" type="file" accept=".xml,.wxr,application/xml,text/xml" required aria-describedby="wxr-hint"${problem ? ' aria-invalid="true"' : ''}>`,
    `<p class="hint" id="wxr-hint">In WordPress: Tools → Export → All content → Download Export File. At most ${MAX_WXR_BYTES / 1024 / 1024} MB. Importing the same file again updates changed posts and duplicates nothing.</p></div>`,
    '<button type="submit">Import</button>',
    '</form>',
  ].join('\n');
}

function progressView(job: ImportJob): string {
  const p = job.progress;
  const percent = p ? Math.floor((100 * p.bytesRead) / Math.max(1, p.totalBytes)) : 0;
  const header = `<p>File <code>${text(job.fileName)}</code>, started ${when(job.startedAt)} by ${text(job.startedBy)}.</p>`;
  if (job.state === 'running') {
    const phase = !p
      ? 'Starting'
      : p.phase === 'checking'
        ? 'Checking the file (nothing is written until the whole file is read)'
        : 'Importing posts';
    return [
      '<h1>Importing from WordPress…</h1>',
      header,
      `<p role="status"><strong>${text(phase)}</strong>: ${p ? `${mib(p.bytesRead)} of ${mib(p.totalBytes)} MiB read, ${p.items} items` : 'reading the upload'}.</p>`,
      `<progress max="100" value="${percent}" aria-label="Import progress">${percent}%</progress>`,
      '<p class="hint">This page refreshes itself every 2 seconds. You may leave it: the import goes on.</p>',
    ].join('\n');
  }
  if (job.state === 'failed') {
    return [
      '<h1>The import stopped</h1>',
      header,
      `<div class="errors" role="alert"><p>${text(job.error ?? 'The import failed.')}</p></div>`,
      '<p><a href="/console/import">Upload a file again</a></p>',
    ].join('\n');
  }
  const s = job.summary!;
  const skipped = s.skipped.reduce((n, r) => n + r.count, 0);
  const commentsSkipped = s.comments.skipped.reduce((n, r) => n + r.count, 0);
  const base = `/console/import/${job.id}`;
  return [
    '<h1>Import done</h1>',
    header,
    `<p role="status">From <code>${text(s.site)}</code> (WXR ${text(s.version)}), finished ${when(job.finishedAt)}.</p>`,
    '<div class="cards">',
    `<section class="card"><h2>Imported</h2><p class="figure">${s.imported}</p><p class="hint">new posts</p></section>`,
    `<section class="card"><h2>Updated</h2><p class="figure">${s.updated}</p><p class="hint">${s.unchanged} unchanged</p></section>`,
    `<section class="card"><h2>Skipped</h2><p class="figure">${skipped}</p><p class="hint">pages, revisions, drafts in trash…</p></section>`,
    `<section class="card"><h2>Authors</h2><p class="figure">${s.authors}</p></section>`,
    `<section class="card"><h2>Comments</h2><p class="figure">${s.comments.imported}</p><p class="hint">approved comments imported; ${s.comments.unchanged} already here, ${commentsSkipped} skipped</p></section>`,
    '</div>',
    '<h2>Skipped items</h2>',
    dataTable(
      'Items not imported, by reason',
      ['Reason', 'Count'],
      s.skipped.map((r) => [text(r.reason), String(r.count)]),
      'Nothing was skipped.',
    ),
    s.failed.length
      ? `<h2>Posts that failed</h2>${dataTable(
          'Posts the importer refused',
          ['WordPress id', 'Title', 'Reason'],
          s.failed.map((f) => [text(f.postId), text(f.title), text(`${f.reason}${f.detail ? ` (${f.detail})` : ''}`)]),
          '',
        )}`
      : '',
    '<h2>Comments not imported</h2>',
    dataTable(
      'Comments of imported posts not imported, by reason',
      ['Reason', 'Count'],
      s.comments.skipped.map((r) => [text(r.reason), String(r.count)]),
      'Every comment of the imported posts was an approved comment and was imported.',
    ),
    s.comments.failed.length
      ? `<h2>Comments that failed</h2>${dataTable(
          'Approved comments the comment rules refused',
          ['WordPress post id', 'WordPress comment id', 'Reason'],
          s.comments.failed.map((f) => [
            text(f.postId),
            text(f.commentId),
            text(`${f.reason}${f.detail ? ` (${f.detail})` : ''}`),
          ]),
          '',
        )}`
      : '',
    '<h2>Redirect map</h2>',
    s.redirects.length
      ? `<p>${s.redirects.length} old permalinks point to their new address. Give one of these to whoever runs the old blog's web server:</p><ul><li><a href="${attr(base)}/wordpress-redirects.csv" download>wordpress-redirects.csv</a> (old path, new address)</li><li><a href="${attr(base)}/wordpress-redirects.nginx.conf" download>wordpress-redirects.nginx.conf</a> (an nginx map; see docs/operations.md)</li></ul>`
      : '<p class="empty">No permalink to redirect: no published post was imported.</p>',
    '<p><a href="/console/posts">See the posts</a> · <a href="/console/import">Import another file</a></p>',
  ].join('\n');
}

/** Admins: move a WordPress blog in by uploading its export; the import runs in this process. */
export const importSection: ConsoleSection = {
  path: '/import',
  label: 'Import',
  role: 'admin',
  routes(deps: ConsoleDeps) {
    const router = express.Router();
    const uploadDir = path.join(deps.dataDir, 'tmp', 'wordpress-imports');
    removeStaleUploads(uploadDir);
    const audit = (actor: Actor, action: string, target: string, details: Record<string, unknown>) =>
      recordAudit(deps.db, { actor, action, target, details, now: deps.now() });
    // Who started each running import: its end is recorded in their name.
    const actors = new Map<string, Actor>();
    const runner = createImportRunner(
      { db: deps.db, publicBaseUrl: deps.publicBaseUrl, now: deps.now, onEventsWritten: deps.onEventsWritten },
      deps.logger,
      async (job) => {
        const actor = actors.get(job.id);
        actors.delete(job.id);
        if (!actor) return;
        await audit(
          actor,
          job.state === 'done' ? 'wordpress.import_finished' : 'wordpress.import_failed',
          `import:${job.id}`,
          {
            fileName: job.fileName,
            ...(job.summary
              ? {
                  site: job.summary.site,
                  imported: job.summary.imported,
                  updated: job.summary.updated,
                  unchanged: job.summary.unchanged,
                  failed: job.summary.failed.length,
                  commentsImported: job.summary.comments.imported,
                }
              : { error: job.error }),
          },
        );
      },
    );

    const upload = multer({
      storage: multer.diskStorage({
        destination: (_req, _file, callback) => {
          fs.mkdir(uploadDir, { recursive: true }, (error) => callback(error, uploadDir));
        },
        filename: (_req, _file, callback) => callback(null, `${randomUUID()}.xml`),
      }),
      limits: { fileSize: MAX_WXR_BYTES, files: 1, fields: 5 },
    }).single('wxr');

    const formPage = (res: Response, status: number, problem?: string) => {
      const current = runner.current();
      sendConsolePage(res, {
        title: 'Import from WordPress',
        status,
        main: [
          '<h1>Import from WordPress</h1>',
          '<p>Posts, their authors, topics, featured images and comments come over; pages, revisions and attachments do not. Each post keeps its old address as a redirect.</p>',
          current?.state === 'running'
            ? `<p class="notice" role="status">An import is running: <a href="/console/import/${attr(current.id)}">see its progress</a>.</p>`
            : current
              ? `<p>Last import: <a href="/console/import/${attr(current.id)}">${text(current.fileName)}</a> (${current.state}).</p>`
              : '',
          uploadForm(res, problem),
        ].join('\n'),
      });
    };

    const busy = (res: Response, job: ImportJob) =>
      sendConsolePage(res, {
        title: 'An import is already running',
        status: 409,
        main: `<h1>An import is already running</h1><p>${text(job.fileName)}, started by ${text(job.startedBy)} ${when(job.startedAt)}. One import runs at a time: wait until it is done, then upload your file.</p><p><a href="/console/import/${attr(job.id)}">See its progress</a></p>`,
      });

    router.get('/', (_req, res) => formPage(res, 200));

    router.post('/', async (req: Request, res: Response) => {
      const running = runner.current();
      // Refused before the upload is read: nobody waits for 500 MB to hear "not now".
      if (running?.state === 'running') {
        req.resume();
        busy(res, running);
        return;
      }
      const problem = await new Promise<string | undefined>((resolve) => {
        upload(req, res, (error: unknown) => {
          if (!error) return resolve(undefined);
          const code = (error as { code?: string }).code;
          resolve(
            code === 'LIMIT_FILE_SIZE'
              ? `The file is larger than ${MAX_WXR_BYTES / 1024 / 1024} MB. Export one year at a time (Tools → Export lets you pick dates) and import each file.`
              : 'The upload could not be read completely. Try again.',
          );
        });
      });
      const file = req.file;
      const drop = () => file && fs.rm(file.path, { force: true }, () => undefined);
      if (problem) {
        drop();
        formPage(res, problem.startsWith('The file is larger') ? 413 : 400, problem);
        return;
      }
      if (!file || file.size === 0) {
        drop();
        formPage(res, 400, 'Choose the export file (an .xml file from WordPress → Tools → Export) first.');
        return;
      }
      if (!looksLikeXml(file.path)) {
        drop();
        formPage(
          res,
          400,
          `“${file.originalname}” is not XML. Upload the .xml file WordPress's Tools → Export downloads (unzip it first if it came zipped).`,
        );
        return;
      }
      const { staff, actor } = consoleOf(res);
      const id = randomUUID();
      actors.set(id, actor);
      const job = runner.start({
        id,
        file: file.path,
        fileName: file.originalname.slice(0, 200),
        startedBy: staff.email,
      });
      if (!job) {
        actors.delete(id);
        drop();
        busy(res, runner.current()!);
        return;
      }
      await audit(actor, 'wordpress.import_started', `import:${id}`, { fileName: job.fileName, bytes: file.size });
      res.redirect(303, `/console/import/${id}`);
    });

    const jobOf = (id: string | undefined): ImportJob => {
      const job = id && UUID.test(id) ? runner.find(id) : undefined;
      if (!job) {
        throw new AppError({
          code: 'NOT_FOUND',
          status: 404,
          detail:
            'This import is not known here: the service restarted since, or it is older than the last five. The import itself is idempotent: upload the file again to see its summary.',
        });
      }
      return job;
    };

    router.get('/:id', (req, res) => {
      const job = jobOf(req.params.id);
      sendConsolePage(res, {
        title: job.state === 'running' ? 'Importing from WordPress' : 'WordPress import',
        head: job.state === 'running' ? ['<meta http-equiv="refresh" content="2">'] : [],
        main: progressView(job),
      });
    });

    const download = (name: string, type: string, render: (job: ImportJob) => string) =>
      router.get(`/:id/${name}`, (req, res) => {
        const job = jobOf(req.params.id);
        if (!job.summary)
          throw new AppError({
            code: 'NOT_FOUND',
            status: 404,
            detail: 'This import has no redirect map (it did not finish).',
          });
        res
          .type(type)
          .setHeader('Content-Disposition', `attachment; filename="${name}"`)
          .setHeader('Cache-Control', 'no-store')
          .send(render(job));
      });
    download('wordpress-redirects.csv', 'text/csv; charset=utf-8', (job) => redirectsCsv(job.summary!.redirects));
    download('wordpress-redirects.nginx.conf', 'text/plain; charset=utf-8', (job) =>
      redirectsNginxMap(job.summary!.redirects),
    );

    return router;
  },
};
