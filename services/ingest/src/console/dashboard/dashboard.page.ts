import { attr, httpUrl, text } from '@careerfeed/core';
import type { DashboardView, ScheduledPost } from './dashboard.service';

function utc(iso: string): string {
  return `${iso.replace('T', ' ').slice(0, 16)} UTC`;
}

function postList(posts: ScheduledPost[]): string {
  return `<ul>${posts
    .map(
      (p) =>
        `<li><a href="/console/posts/${attr(p.id)}">${text(p.title)}</a> <span class="hint">${text(utc(p.publishedAtUtc))}</span></li>`,
    )
    .join('')}</ul>`;
}

/** Answers first "how many students get the weekly digest, and did last week's go out?". */
export function renderDashboard(view: DashboardView, now: Date, queueDashboardUrl: string | undefined): string {
  const active = view.subscribers.filter((s) => s.status === 'active');
  const count = (frequency: string) => active.filter((s) => s.frequency === frequency).reduce((n, s) => n + s.count, 0);
  const byStatus = (status: string) =>
    view.subscribers.filter((s) => s.status === status).reduce((n, s) => n + s.count, 0);
  const lastWeekly = view.digestRuns.find((r) => r.periodKey.startsWith('weekly:'));
  const weeklyVerdict = lastWeekly
    ? `<p>Last weekly digest (${text(lastWeekly.periodKey.slice('weekly:'.length))}): <strong>${lastWeekly.sent} sent</strong>, ${lastWeekly.failed} failed${lastWeekly.sending ? `, ${lastWeekly.sending} still sending` : ''}.</p>`
    : '<p class="empty">No weekly digest has gone out yet.</p>';

  const runs = view.digestRuns.length
    ? `<div class="table"><table><thead><tr><th scope="col">Digest</th><th scope="col">Sent</th><th scope="col">Failed</th><th scope="col">Nothing new</th><th scope="col">Last activity</th></tr></thead><tbody>${view.digestRuns
        .map(
          (r) =>
            `<tr><td>${text(r.periodKey)}</td><td>${r.sent}</td><td>${r.failed ? `<span class="badge warn">${r.failed}</span>` : '0'}</td><td>${r.skipped}</td><td>${text(utc(r.lastActivityAt))}</td></tr>`,
        )
        .join('')}</tbody></table></div>`
    : '<p class="empty">No digest has been sent yet. Digests go out once students subscribe and posts are published.</p>';

  const subscriberTable = view.subscribers.length
    ? `<div class="table"><table><thead><tr><th scope="col">Status</th><th scope="col">Instant</th><th scope="col">Daily</th><th scope="col">Weekly</th></tr></thead><tbody>${(
        ['active', 'pending', 'unsubscribed', 'suspended'] as const
      )
        .map((status) => {
          const cell = (f: string) =>
            view.subscribers.find((s) => s.status === status && s.frequency === f)?.count ?? 0;
          return `<tr><th scope="row">${status}</th><td>${cell('instant')}</td><td>${cell('daily')}</td><td>${cell('weekly')}</td></tr>`;
        })
        .join('')}</tbody></table></div>`
    : '<p class="empty">Nobody has subscribed yet. Share the subscribe page of the public site.</p>';

  const queue = httpUrl(queueDashboardUrl);
  return [
    '<h1>Dashboard</h1>',
    '<div class="cards">',
    `<section class="card"><h2>Weekly digest readers</h2><p class="figure">${count('weekly')}</p><p class="hint">${count('daily')} daily, ${count('instant')} instant, ${byStatus('pending')} awaiting confirmation</p></section>`,
    `<section class="card"><h2>Last weekly digest</h2>${lastWeekly ? `<p class="figure">${lastWeekly.sent} sent</p><p class="hint">${lastWeekly.failed} failed · ${text(lastWeekly.periodKey)}</p>` : '<p class="hint">None yet</p>'}</section>`,
    `<section class="card"><h2>Scheduled posts</h2><p class="figure">${view.nextScheduled.length}${view.nextScheduled.length === 5 ? '+' : ''}</p><p class="hint">${view.missedSchedules.length ? `<span class="badge warn">${view.missedSchedules.length} missed schedule</span>` : 'none missed'}</p></section>`,
    `<section class="card"><h2>Comments to moderate</h2><p class="figure">${view.pendingComments}</p><p class="hint">${view.pendingComments ? `<a href="/console/comments?status=pending">Moderate the ${view.pendingComments} pending comment${view.pendingComments === 1 ? '' : 's'}</a>` : 'none pending'}</p></section>`,
    `<section class="card"><h2>Failing</h2><p class="figure">${view.failingSources + view.failingWebhooks}</p><p class="hint">${view.failingSources} source(s), ${view.failingWebhooks} webhook(s)</p></section>`,
    '</div>',
    '<h2>Digests</h2>',
    weeklyVerdict,
    runs,
    '<h2>Subscribers</h2>',
    subscriberTable,
    '<h2>Next scheduled posts</h2>',
    view.nextScheduled.length
      ? postList(view.nextScheduled)
      : '<p class="empty">Nothing is scheduled. <a href="/console/posts/new">Write a post</a> and schedule it.</p>',
    view.missedSchedules.length
      ? `<h2>Missed schedules</h2><p>These posts' time has come but the worker has not handled them yet (no digest or share went out). Check that the worker runs${queue ? ` and look at the <a href="${attr(queue)}">queues</a>` : ''}.</p>${postList(view.missedSchedules)}`
      : '',
    queue ? `<p><a href="${attr(queue)}">Queue dashboard</a> (admins)</p>` : '',
    `<p class="hint">As of ${text(utc(now.toISOString()))}.</p>`,
  ].join('\n');
}
