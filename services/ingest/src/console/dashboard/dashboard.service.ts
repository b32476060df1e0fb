import type { Db } from '@careerfeed/db';
import * as repo from './dashboard.repository';

export type { DashboardView, ScheduledPost } from './dashboard.repository';

export async function readDashboard(db: Db, now: Date): Promise<repo.DashboardView> {
  return {
    subscribers: await repo.countSubscribersByStatusAndFrequency(db),
    digestRuns: await repo.listRecentDigestRuns(db),
    nextScheduled: await repo.findNextScheduled(db, now),
    missedSchedules: await repo.findMissedSchedules(db, now),
    failingSources: await repo.countFailingSources(db),
    failingWebhooks: await repo.countFailingWebhooks(db, now),
    pendingComments: await repo.countPendingComments(db),
  };
}

/** The next scheduled posts and the missed schedules (posts list, dashboard). */
export async function scheduledOverview(
  db: Db,
  now: Date,
): Promise<{ next: repo.ScheduledPost[]; missed: repo.ScheduledPost[] }> {
  return { next: await repo.findNextScheduled(db, now, 10), missed: await repo.findMissedSchedules(db, now) };
}
