import { Counter, Histogram, type Registry } from 'prom-client';
import type { RebuildOutcome, ReweighOutcome } from './related-posts.engine';

/**
 * prom-client metrics of the related index's full recomputes (fed by the maintainer's
 * `onRebuilt`): how often they run, how long they take, how much they change. Since the rolling
 * re-weigh a full recompute only fills a new or re-versioned store; it runs in its own thread for
 * minutes at 100,000 posts, so its duration is what an operator watches grow with the store.
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

/**
 * prom-client metrics of the rolling re-weigh (fed with every round): posts re-weighed (their rate
 * is the pace: the store's size per RELATED_REBUILD_INTERVAL_HOURS, more while growth makes posts
 * due), the lists it changed (how far incremental updates had drifted), and the rounds' durations,
 * which bound how long a sync waits behind one.
 */
export function relatedReweighMetrics(registry: Registry): (outcome: ReweighOutcome) => void {
  const duration = new Histogram({
    name: 'related_reweigh_round_seconds',
    help: 'Rounds of the rolling re-weigh of the related-posts index that re-weighed posts, by duration',
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const posts = new Counter({
    name: 'related_reweigh_posts_total',
    help: 'Posts re-weighed by the rolling re-weigh of the related-posts index',
    registers: [registry],
  });
  const changed = new Counter({
    name: 'related_reweigh_changed_lists_total',
    help: 'Related lists that rounds of the rolling re-weigh changed',
    registers: [registry],
  });
  return (outcome) => {
    if (outcome.reweighed === 0) return;
    duration.observe(outcome.durationMs / 1000);
    posts.inc(outcome.reweighed);
    changed.inc(outcome.changed.length);
  };
}
