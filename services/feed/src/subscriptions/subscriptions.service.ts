import type { PreferencesResource } from '../openapi';
import { randomBytes } from 'node:crypto';
import {
  AppError,
  DEFAULT_PREFERENCES,
  type FieldError,
  type PreferencesPageView,
  type SubscribePageView,
  type SubscriberPreferences,
  emailKeyOf,
  manageLinks,
  nextScheduledDigest,
  resolveTopics,
  topicKey,
  verifySubscriberToken,
} from '@careerfeed/core';
import {
  type Db,
  type SubscriberRow,
  isUniqueViolation,
  readLegacyManageLinksDeadline,
  readSubscriptionTokenKey,
  uuidv7,
} from '@careerfeed/db';
import type { ConfirmationMailQueue } from '@careerfeed/jobs';
import { isAddressSuppressed } from '@careerfeed/digests';
import { readSite } from '@careerfeed/posts';
import { buildSiteView } from '../pages/pages.service';
import { chosenTopicKeys, loadTopicDirectory, topicPicker } from '../topics/topics.service';
import type { SubscribeRateLimits } from './subscribe-rate-limits';
import { type PreferenceChanges, parsePreferenceChanges, parseSubscribeRequest } from './subscription-input';
import * as repo from './subscriptions.repository';

export interface SubscriptionsDeps {
  db: Db;
  publicBaseUrl: string;
  now?: (() => Date) | undefined;
  mails: ConfirmationMailQueue;
  limits: SubscribeRateLimits;
  /** The key of subscriber links (read once from the database). */
  tokenKey: () => Promise<Buffer>;
  /** Until when manage links made before links expired are honoured (read once from the database). */
  legacyManageLinksDeadline: () => Promise<Date>;
}

/** Reads a value on first use and keeps it (a failed read is tried again next time). */
function cachedRead<T>(read: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => {
    value ??= read().catch((error: unknown) => {
      value = undefined;
      throw error;
    });
    return value;
  };
}

/** Reads the link key on first use and keeps it: it never changes while the database lives. */
export function cachedTokenKey(db: Db): () => Promise<Buffer> {
  return cachedRead(() => readSubscriptionTokenKey(db.kysely));
}

/** Reads the deadline of pre-expiry manage links on first use and keeps it (set once, by migration 0008). */
export function cachedLegacyManageLinksDeadline(db: Db): () => Promise<Date> {
  return cachedRead(() => readLegacyManageLinksDeadline(db.kysely));
}

function now(deps: SubscriptionsDeps): Date {
  return deps.now?.() ?? new Date();
}

function nonce(): string {
  return randomBytes(16).toString('base64url');
}

/** Every zone the runtime knows, UTC first. */
const TIME_ZONES = ['UTC', ...Intl.supportedValuesOf('timeZone').filter((zone) => zone !== 'UTC')];

/** The topics that exist now, for resolving what a reader asked for: every tag and every category. */
async function topicCatalogue(deps: SubscriptionsDeps): Promise<{ tags: Set<string>; categories: Set<string> }> {
  const { tags, categories } = await repo.findTopicCatalogue(deps.db.kysely);
  return { tags: new Set(tags.map((t) => t.slug)), categories: new Set(categories) };
}

/** The preferences a new subscriber starts from: the defaults, with the hour and weekday staff chose. */
async function newSubscriberDefaults(deps: SubscriptionsDeps): Promise<SubscriberPreferences> {
  const site = await readSite(deps.db.kysely);
  return { ...DEFAULT_PREFERENCES, deliveryHour: site.defaultDigestHour, deliveryWeekday: site.defaultDigestWeekday };
}

/**
 * GET /subscribe. `?topic=<slug>` (repeatable; the "More choices" link of a topic page) ticks
 * those topics; anything unknown there is ignored, as the page only offers.
 */
export async function buildSubscribePage(
  deps: SubscriptionsDeps,
  query: { topic?: unknown } = {},
): Promise<SubscribePageView> {
  const [site, directory, defaults] = await Promise.all([
    buildSiteView(deps),
    loadTopicDirectory(deps),
    newSubscriberDefaults(deps),
  ]);
  const requested = (Array.isArray(query.topic) ? query.topic : [query.topic]).filter(
    (t): t is string => typeof t === 'string' && directory.bySlug.has(t),
  );
  const topics = requested.slice(0, 20).map((slug) => topicKey('topic', slug));
  return {
    site,
    topics: topicPicker(directory, topics),
    timeZones: TIME_ZONES,
    values: { ...defaults, topics },
  };
}

/** Applies requested changes to current preferences; unknown topics are a 400 naming each one. */
async function applyChanges(
  deps: SubscriptionsDeps,
  current: SubscriberPreferences,
  changes: PreferenceChanges,
): Promise<SubscriberPreferences> {
  let topics = current.topics;
  if (changes.topics !== undefined) {
    const catalogue = await topicCatalogue(deps);
    const resolved = resolveTopics(changes.topics, catalogue);
    if (resolved.unknown.length > 0) {
      const errors: FieldError[] = resolved.unknown.map((u) => ({
        path: `topics/${u.index}`,
        message: 'is not an existing topic (tag or category)',
      }));
      throw new AppError({
        code: 'VALIDATION_FAILED',
        status: 400,
        detail: `Unknown topics: ${resolved.unknown.map((u) => u.value.slice(0, 100)).join(', ')}`.slice(0, 1000),
        errors,
      });
    }
    topics = resolved.keys;
  }
  return {
    frequency: changes.frequency ?? current.frequency,
    topics,
    timeZone: changes.timeZone ?? current.timeZone,
    deliveryHour: changes.deliveryHour ?? current.deliveryHour,
    deliveryWeekday: changes.deliveryWeekday ?? current.deliveryWeekday,
    paused: changes.paused ?? current.paused,
  };
}

function preferencesOf(row: SubscriberRow): SubscriberPreferences {
  let topics: string[] = [];
  try {
    const parsed: unknown = JSON.parse(row.topics);
    if (Array.isArray(parsed)) topics = parsed.filter((t): t is string => typeof t === 'string');
  } catch {
    // A damaged value reads as "every topic", which is what an empty list means.
  }
  return {
    frequency: row.frequency,
    topics,
    timeZone: row.time_zone,
    deliveryHour: row.delivery_hour,
    deliveryWeekday: row.delivery_weekday,
    paused: row.paused === 1,
  };
}

type Attempt =
  | { kind: 'confirm'; subscriberId: string; nonce: string; previous: repo.AttemptColumns | null }
  | { kind: 'already-subscribed'; subscriberId: string }
  | { kind: 'suspended' };

/** Writes a subscription attempt; one retry covers two first attempts for one address racing. */
async function recordAttempt(deps: SubscriptionsDeps, email: string, chosen: SubscriberPreferences): Promise<Attempt> {
  const db = deps.db.kysely;
  const key = emailKeyOf(email);
  // Suppressed addresses are answered like everyone else (nothing leaks) and nothing is written or sent.
  if (await isAddressSuppressed(deps.db, email)) return { kind: 'suspended' };
  for (let attempt = 0; ; attempt += 1) {
    const existing = await repo.findSubscriberByEmailKey(db, key);
    if (existing?.status === 'active') return { kind: 'already-subscribed', subscriberId: existing.id };
    if (existing?.status === 'suspended') return { kind: 'suspended' };
    const at = now(deps).toISOString();
    const columns: repo.AttemptColumns = {
      email,
      status: 'pending',
      frequency: chosen.frequency,
      topics: JSON.stringify(chosen.topics),
      time_zone: chosen.timeZone,
      delivery_hour: chosen.deliveryHour,
      delivery_weekday: chosen.deliveryWeekday,
      paused: 0,
      confirmation_nonce: nonce(),
      confirmation_sent_at: at,
      // A new subscription after an unsubscribe is a new instance: links of the old one stay revoked
      // (unsubscribing bumped the version already; this also covers rows unsubscribed otherwise).
      link_version: existing?.status === 'unsubscribed' ? existing.link_version + 1 : (existing?.link_version ?? 0),
      updated_at: at,
    };
    if (existing) {
      await repo.updateAttempt(db, existing.id, columns);
      const previous: repo.AttemptColumns = {
        email: existing.email,
        status: existing.status,
        frequency: existing.frequency,
        topics: existing.topics,
        time_zone: existing.time_zone,
        delivery_hour: existing.delivery_hour,
        delivery_weekday: existing.delivery_weekday,
        paused: existing.paused,
        confirmation_nonce: existing.confirmation_nonce,
        confirmation_sent_at: existing.confirmation_sent_at,
        link_version: existing.link_version,
        updated_at: existing.updated_at,
      };
      return { kind: 'confirm', subscriberId: existing.id, nonce: columns.confirmation_nonce!, previous };
    }
    const id = uuidv7();
    try {
      await repo.insertSubscriber(db, { ...columns, id, email_key: key, hard_bounces: 0, created_at: at });
      return { kind: 'confirm', subscriberId: id, nonce: columns.confirmation_nonce!, previous: null };
    } catch (error) {
      if (!isUniqueViolation(error) || attempt > 0) throw error;
    }
  }
}

/**
 * POST /subscribe. Double opt-in, and one answer for every address: the caller learns nothing about
 * who is subscribed. Order: client limit → validation → address limit → database → queue. Redis is
 * touched first, so an outage is almost always noticed before anything is written; when the queue
 * fails after the write, the write is undone (unless a newer attempt replaced it) and the answer
 * is a 503, so no pending row waits for a mail that was never queued.
 */
export async function subscribe(deps: SubscriptionsDeps, input: { ip: string; body: unknown }): Promise<void> {
  await deps.limits.consumeClient(input.ip);
  const request = parseSubscribeRequest(input.body);
  // Validate topics before counting the address, so a typo does not cost one of its attempts.
  // A new attempt states its choices in full: what it leaves out takes the defaults, not whatever
  // an earlier, never-confirmed attempt said. Topics are checked before the address is counted,
  // so a typo does not cost one of its attempts.
  const chosen = await applyChanges(deps, await newSubscriberDefaults(deps), request.changes);
  await deps.limits.consumeAddress(emailKeyOf(request.email));
  const attempt = await recordAttempt(deps, request.email, chosen);
  if (attempt.kind === 'suspended') return;
  const job =
    attempt.kind === 'confirm'
      ? { kind: 'confirm' as const, subscriberId: attempt.subscriberId, nonce: attempt.nonce }
      : { kind: 'already-subscribed' as const, subscriberId: attempt.subscriberId, nonce: nonce() };
  try {
    await deps.mails.enqueue(job);
  } catch {
    if (attempt.kind === 'confirm') {
      await repo.revertAttempt(deps.db.kysely, attempt.subscriberId, attempt.nonce, attempt.previous);
    }
    throw new AppError({
      code: 'SERVICE_UNAVAILABLE',
      status: 503,
      detail: 'Subscriptions are unavailable for a moment; please try again shortly',
    });
  }
}

function tokenError(reason: 'malformed' | 'bad-signature' | 'expired' | 'wrong-purpose'): AppError {
  return reason === 'expired'
    ? new AppError({ code: 'TOKEN_EXPIRED', status: 410, detail: 'This confirmation link has expired' })
    : new AppError({
        code: 'TOKEN_INVALID',
        status: 400,
        detail: 'This link is not valid; copy the whole link from the email',
      });
}

export interface ConfirmResult {
  preferencesUrl: string;
  unsubscribeUrl: string;
}

/**
 * GET /subscribe/confirm. Single use: the token's nonce must still be the subscriber's pending
 * nonce. A used, superseded or since-unsubscribed link is a 409 that changes nothing.
 */
export async function confirm(deps: SubscriptionsDeps, rawToken: unknown): Promise<ConfirmResult> {
  const key = await deps.tokenKey();
  const at = now(deps);
  const check = verifySubscriberToken(key, rawToken, 'confirm', at);
  if (!check.ok) throw tokenError(check.reason);
  const { subscriberId, nonce: tokenNonce } = check.token;
  const used = new AppError({
    code: 'TOKEN_USED',
    status: 409,
    detail: 'This confirmation link has already been used or replaced by a newer one',
  });
  if (tokenNonce === undefined) throw used;
  const db = deps.db.kysely;
  const row = await repo.findSubscriberById(db, subscriberId);
  if (!row || row.status !== 'pending' || row.confirmation_nonce !== tokenNonce) throw used;
  const iso = at.toISOString();
  const activated = await repo.activate(db, subscriberId, tokenNonce, {
    confirmed_at: iso,
    digest_cursor: iso,
    next_digest_at: nextScheduledDigest(preferencesOf(row), 'active', at),
    updated_at: iso,
  });
  if (!activated) throw used;
  return manageLinks(deps.publicBaseUrl, key, { id: subscriberId, linkVersion: row.link_version }, at);
}

/**
 * The subscriber a preferences/unsubscribe link names. Forged or mangled: 400. Past its expiry
 * (or, for a link from before links expired, past the legacy deadline): 410 LINK_EXPIRED.
 * `revoked` when the subscriber's link_version has moved on (unsubscribed, or subscribed anew):
 * the caller decides how to answer; `row` undefined when the subscriber no longer exists.
 */
async function subscriberOfManageToken(
  deps: SubscriptionsDeps,
  rawToken: unknown,
): Promise<{ row: SubscriberRow | undefined; revoked: boolean; key: Buffer; token: string }> {
  const key = await deps.tokenKey();
  const at = now(deps);
  const check = verifySubscriberToken(key, rawToken, 'manage', at);
  if (!check.ok && check.reason === 'expired') throw linkExpired();
  if (!check.ok) throw tokenError(check.reason);
  if (check.token.expiresAt === undefined && (await deps.legacyManageLinksDeadline()).getTime() <= at.getTime()) {
    throw linkExpired();
  }
  const row = await repo.findSubscriberById(deps.db.kysely, check.token.subscriberId);
  return {
    row,
    revoked: row !== undefined && row.link_version !== (check.token.version ?? 0),
    key,
    token: rawToken as string,
  };
}

function linkExpired(): AppError {
  return new AppError({
    code: 'LINK_EXPIRED',
    status: 410,
    detail: 'This link has expired; the links in a newer email still work',
  });
}

function linkRevoked(): AppError {
  return new AppError({
    code: 'LINK_REVOKED',
    status: 410,
    detail: 'This link belongs to a subscription that has ended; links in emails sent since then still work',
  });
}

/** The subscriber of a link that must still be valid and current (pages and preference changes). */
async function currentSubscriberOfManageToken(
  deps: SubscriptionsDeps,
  rawToken: unknown,
): Promise<{ row: SubscriberRow | undefined; key: Buffer; token: string }> {
  const { revoked, ...rest } = await subscriberOfManageToken(deps, rawToken);
  if (revoked) throw linkRevoked();
  return rest;
}

function notFound(): AppError {
  return new AppError({ code: 'NOT_FOUND', status: 404, detail: 'There is no subscription for this link any more' });
}

export interface PreferencesResult {
  view: PreferencesPageView;
  /** The JSON answer (its schema is in ../openapi.ts). */
  body: PreferencesResource;
}

async function preferencesResult(
  deps: SubscriptionsDeps,
  row: SubscriberRow,
  key: Buffer,
  token: string,
  saved: boolean,
): Promise<PreferencesResult> {
  const [site, directory] = await Promise.all([buildSiteView(deps), loadTopicDirectory(deps)]);
  const preferences = preferencesOf(row);
  const chosen = chosenTopicKeys(preferences.topics);
  return {
    view: {
      site,
      token,
      email: row.email,
      status: row.status,
      topics: topicPicker(directory, chosen),
      timeZones: TIME_ZONES,
      values: { ...preferences, topics: chosen },
      unsubscribeUrl: manageLinks(deps.publicBaseUrl, key, { id: row.id, linkVersion: row.link_version }, now(deps))
        .unsubscribeUrl,
      saved,
    },
    body: {
      status: row.status,
      frequency: preferences.frequency,
      topics: preferences.topics,
      timezone: preferences.timeZone,
      hour: preferences.deliveryHour,
      weekday: preferences.deliveryWeekday,
      paused: preferences.paused,
      next_digest_at: row.next_digest_at,
    },
  };
}

/** GET /preferences. */
export async function readPreferences(deps: SubscriptionsDeps, rawToken: unknown): Promise<PreferencesResult> {
  const { row, key, token } = await currentSubscriberOfManageToken(deps, rawToken);
  if (!row) throw notFound();
  return preferencesResult(deps, row, key, token, false);
}

/**
 * POST /preferences: validates everything before writing anything, then recomputes when the next
 * digest is due. Resuming after a pause moves the digest cursor to now: the first digest after a
 * pause starts from the resume, not with everything published while paused.
 */
export async function savePreferences(
  deps: SubscriptionsDeps,
  input: { queryToken: unknown; body: unknown },
): Promise<PreferencesResult> {
  const changes = parsePreferenceChanges(input.body);
  const { row, key, token } = await currentSubscriberOfManageToken(deps, input.queryToken ?? changes.token);
  if (!row) throw notFound();
  if (row.status !== 'active' && row.status !== 'pending') {
    throw new AppError({
      code: 'CONFLICT',
      status: 409,
      detail: 'This address is unsubscribed; subscribe again to receive emails',
    });
  }
  const current = preferencesOf(row);
  const chosen = await applyChanges(deps, current, changes);
  const at = now(deps);
  const iso = at.toISOString();
  const resumed = current.paused && !chosen.paused && row.status === 'active';
  await repo.updatePreferences(deps.db.kysely, row.id, {
    frequency: chosen.frequency,
    topics: JSON.stringify(chosen.topics),
    time_zone: chosen.timeZone,
    delivery_hour: chosen.deliveryHour,
    delivery_weekday: chosen.deliveryWeekday,
    paused: chosen.paused ? 1 : 0,
    next_digest_at: nextScheduledDigest(chosen, row.status, at),
    digest_cursor: resumed ? iso : row.digest_cursor,
    updated_at: iso,
  });
  const updated = await repo.findSubscriberById(deps.db.kysely, row.id);
  if (!updated) throw notFound();
  return preferencesResult(deps, updated, key, token, true);
}

/** GET /unsubscribe: only checks the link; the page's button (or a mail client) POSTs. */
export async function checkUnsubscribeLink(
  deps: SubscriptionsDeps,
  rawToken: unknown,
): Promise<{ alreadyUnsubscribed: boolean }> {
  const { row } = await currentSubscriberOfManageToken(deps, rawToken);
  return { alreadyUnsubscribed: !row || row.status === 'unsubscribed' };
}

/**
 * POST /unsubscribe (RFC 8058 one-click): at once, idempotent; a subscriber deleted since counts as
 * done, and so does a revoked link (its subscription ended): the same answer, and nothing changes —
 * an old link must not end a subscription made since.
 */
export async function unsubscribe(deps: SubscriptionsDeps, rawToken: unknown): Promise<void> {
  const { row, revoked } = await subscriberOfManageToken(deps, rawToken);
  if (!row || revoked) return;
  await repo.unsubscribe(deps.db.kysely, row.id, now(deps).toISOString());
}
