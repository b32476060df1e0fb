// The scope and URL definitions live in @careerfeed/jobs, shared with the worker's WebSub pings.
export { type FeedScope, type ListScopeKind, scopeKey, scopePath } from '@careerfeed/jobs';
