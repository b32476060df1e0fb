import { Counter, Histogram, type Registry } from 'prom-client';
import type { RebuildOutcome } from './related-posts.engine';

/**
 * prom-client metrics of the related index's full recomputes (fed by the maintainer's
 * `onRebuilt`): how often they run, how long they take, how much they change. A recompute runs
 * in its own thread for minutes at 100,000 posts, so its duration is what an operator watches
 * grow with the store; the lists it changes show how far incremental updates had drifted.
 */
export function relatedRebuildMetrics(registry: Registry): (outcome: RebuildOutcome) => void {
  const duration = new Histogram({
    name: 'related_rebuild_duration_seconds',
    help: 'Full recomputes of the related-posts index, by duration (the thread is busy meanwhile)',
    buckets: [0.1, 1, 5, 15, 60, 180, 600, 1800],
    registers: [registry],
  });
  const posts = new Counter({
    name: 'related_rebuild_posts_total',
    help: 'Posts ranked by full recomputes of the related-posts index',
    registers: [registry],
  });
  const changed = new Counter({
    name: 'related_rebuild_changed_lists_total',
    help: 'Related lists that full recomputes (and the sync right after each) changed',
    registers: [registry],
  });
  return (outcome) => {
    duration.observe(outcome.durationMs / 1000);
    posts.inc(outcome.posts);
    changed.inc(outcome.changed.length);
  };
}
