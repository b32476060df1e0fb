import type { Migration } from 'kysely';
import * as initial from './2026-11-25-0001-initial';
import * as relatedPosts from './2026-11-25-0002-related-posts';
import * as subscriptions from './2026-11-25-0003-subscriptions';
import * as shareWebhooks from './2026-11-26-0004-share-webhooks';
import * as partnerSources from './2026-11-26-0005-partner-sources';
import * as outboxHandled from './2026-12-06-0006-outbox-handled';
import * as subscriptionLinkVersion from './2026-12-06-0008-subscription-link-version';
import * as webhookSecretRotation from './2026-12-06-0009-webhook-secret-rotation';
import * as webhookAttemptOutcome from './2026-12-06-0010-webhook-attempt-outcome';
import * as staffAccounts from './2026-12-06-0011-staff-accounts';
import * as postSearch from './2026-12-06-0012-post-search';
import * as comments from './2026-12-06-0013-comments';
import * as consoleOperations from './2026-12-06-0014-console-operations';
import * as wordpressSources from './2026-12-06-0016-wordpress-sources';
import * as commentExternalIds from './2026-12-06-0018-comment-external-ids';
import * as relatedStore from './2026-12-07-0019-related-store';
import * as subscriberPageIndexes from './2026-12-07-0020-subscriber-page-indexes';
import * as searchTagTrigger from './2026-12-07-0022-search-tag-trigger';

/**
 * Listed by hand rather than read from the folder, so the same list works from TypeScript
 * sources (tests) and compiled output (production). Names sort in the order they apply.
 */
export const migrations: Record<string, Migration> = {
  '2026-11-25-0001-initial': initial,
  '2026-11-25-0002-related-posts': relatedPosts,
  '2026-11-25-0003-subscriptions': subscriptions,
  '2026-11-26-0004-share-webhooks': shareWebhooks,
  '2026-11-26-0005-partner-sources': partnerSources,
  '2026-12-06-0006-outbox-handled': outboxHandled,
  '2026-12-06-0008-subscription-link-version': subscriptionLinkVersion,
  '2026-12-06-0009-webhook-secret-rotation': webhookSecretRotation,
  '2026-12-06-0010-webhook-attempt-outcome': webhookAttemptOutcome,
  '2026-12-06-0011-staff-accounts': staffAccounts,
  '2026-12-06-0012-post-search': postSearch,
  '2026-12-06-0013-comments': comments,
  '2026-12-06-0014-console-operations': consoleOperations,
  '2026-12-06-0016-wordpress-sources': wordpressSources,
  '2026-12-06-0018-comment-external-ids': commentExternalIds,
  '2026-12-07-0019-related-store': relatedStore,
  '2026-12-07-0020-subscriber-page-indexes': subscriberPageIndexes,
  '2026-12-07-0022-search-tag-trigger': searchTagTrigger,
};
