import type { RebuildOutcome, ReweighOutcome } from './related-posts.engine';

/** What the related-posts thread is started with (`workerData`). */
export interface RelatedThreadOptions {
  databaseUrl: string;
  k: number;
  rebuildIntervalMs: number;
  /** Posts per transaction of a fill or full recompute. */
  pageSize?: number;
  reweighBatchPosts?: number;
  reweighBudgetMs?: number;
}

/** Main thread → related-posts thread: one request, answered by a reply with the same id. */
export type RelatedThreadRequest = { id: number; op: 'init' | 'sync' | 'reweigh' | 'close'; nowUtc: string };

/** Related-posts thread → main thread. */
export type RelatedThreadMessage =
  /** `rebuilding`: a full recompute was queued right after this request (a sync). */
  | { type: 'reply'; id: number; changed: string[]; rebuilding: boolean }
  /** The answer to a 'reweigh' request: one round of the rolling re-weigh. */
  | { type: 'reweighed'; id: number; outcome: ReweighOutcome }
  | { type: 'failed'; id: number; message: string }
  | { type: 'rebuilt'; outcome: RebuildOutcome }
  | { type: 'rebuild-failed'; message: string };
