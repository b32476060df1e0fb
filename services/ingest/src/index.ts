export { createIngestApp } from './app';
export type { IngestAppDeps } from './app';
export { createOutboxRelay } from './outbox/outbox-relay';
export type { OutboxRelay } from './outbox/outbox-relay';
// API keys live in @careerfeed/http (the worker's dashboard checks them too); re-exported for the CLI.
export { createApiKey, SCOPES, apiKeysRepository } from '@careerfeed/http';
export type { Scope } from '@careerfeed/http';
export { createPost, deletePost, importPost, listPosts, getPost, updatePost } from './posts/posts.service';
export type { PostResource, PostsDeps } from './posts/posts.service';
export { createPostSchema } from './posts/posts.schema';
export { upsertAuthor } from './authors/authors.service';
export { countPendingOutboxEvents } from './outbox/outbox.repository';
export { readSite, saveSite, siteSchema } from '@careerfeed/db';
export type { Site } from '@careerfeed/db';
export { findDueSourceIds, findSourceForPoll, recordPollOutcome, syndicateItems } from './sources/sources.service';
export type { PollOutcome, PollSummary, SourceResource } from './sources/sources.service';
