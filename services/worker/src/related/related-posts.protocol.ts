import type { RebuildOutcome } from './related-posts.engine';

/** What the related-posts thread is started with (`workerData`). */
export interface RelatedThreadOptions {
  databaseUrl: string;
  k: number;
  rebuildIntervalMs: number;
  /** Posts per transaction of a fill or full recompute. */
  pageSize?: number;
}

/** Main thread → related-posts thread: one request, answered by a reply with the same id. */
export type RelatedThreadRequest = { id: number; op: 'init' | 'sync' | 'close'; nowUtc: string };

/** Related-posts thread → main thread. */
export type RelatedThreadMessage =
  /** `rebuilding`: a full recompute was queued right after this request (a sync). */
  | { type: 'reply'; id: number; changed: string[]; rebuilding: boolean }
  | { type: 'failed'; id: number; message: string }
  | { type: 'rebuilt'; outcome: RebuildOutcome }
  | { type: 'rebuild-failed'; message: string };
