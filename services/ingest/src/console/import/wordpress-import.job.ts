import fs from 'node:fs';
import type { Logger } from 'pino';
import type { PostsDeps } from '@careerfeed/posts';
import {
  type WordPressImportProgress,
  type WordPressImportSummary,
  WxrError,
  importWordPressExport,
} from '@careerfeed/wordpress';

/**
 * One WordPress import at a time per ingest process, its state held in memory: the progress page
 * reads it. A restart loses the page (not the posts): the import is idempotent, so uploading the
 * same file again finishes the work and reports what the first run already wrote as "unchanged".
 */
export interface ImportJob {
  id: string;
  fileName: string;
  startedAt: string;
  startedBy: string;
  state: 'running' | 'done' | 'failed';
  progress: WordPressImportProgress | null;
  finishedAt: string | null;
  summary: WordPressImportSummary | null;
  /** What the staff member can act on: the importer's message (not XML, DOCTYPE, unknown version…). */
  error: string | null;
}

export interface ImportRunner {
  current(): ImportJob | null;
  find(id: string): ImportJob | undefined;
  /** Starts an import of `file` (deleted when it ends); null when one is already running. */
  start(input: { id: string; file: string; fileName: string; startedBy: string }): ImportJob | null;
}

/** How many finished imports the progress pages remember (their summaries and redirect maps). */
const KEEP_FINISHED = 5;

export function createImportRunner(
  deps: PostsDeps,
  logger: Logger,
  onFinished: (job: ImportJob) => Promise<void>,
): ImportRunner {
  const jobs: ImportJob[] = [];
  let running: Promise<void> | null = null;
  return {
    current: () => jobs[jobs.length - 1] ?? null,
    find: (id) => jobs.find((j) => j.id === id),
    start({ id, file, fileName, startedBy }) {
      if (running) return null;
      const job: ImportJob = {
        id,
        fileName,
        startedAt: new Date().toISOString(),
        startedBy,
        state: 'running',
        progress: null,
        finishedAt: null,
        summary: null,
        error: null,
      };
      jobs.push(job);
      while (jobs.length > KEEP_FINISHED) jobs.shift();
      running = (async () => {
        let summary: WordPressImportSummary | null = null;
        let failure: string | null = null;
        try {
          summary = await importWordPressExport(deps, file, { onProgress: (p) => (job.progress = p) });
        } catch (error) {
          if (error instanceof WxrError) failure = error.message;
          else {
            logger.error({ err: error, importId: id }, 'WordPress import failed');
            failure =
              'The import stopped on an unexpected error (the log has it). Posts written so far stay; upload the file again to finish: posts already imported are not duplicated.';
          }
        }
        // The upload goes before the page says the import ended.
        await fs.promises.rm(file, { force: true }).catch((error: unknown) => {
          logger.warn({ err: error, importId: id }, 'could not remove a WordPress upload');
        });
        job.summary = summary;
        job.error = failure;
        job.finishedAt = new Date().toISOString();
        job.state = summary ? 'done' : 'failed';
      })()
        .finally(() => {
          // Free as soon as the page says it ended: an upload right after "done" must not get "busy".
          running = null;
        })
        .then(() => onFinished(job))
        .catch((error: unknown) =>
          logger.warn({ err: error, importId: id }, 'could not record the end of a WordPress import'),
        );
      return job;
    },
  };
}
