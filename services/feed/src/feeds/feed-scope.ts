/** Which posts a feed holds. Its `key` names it in caches and invalidation messages. */
export type FeedScope =
  | { kind: 'site' }
  | { kind: 'tag'; slug: string }
  | { kind: 'category'; slug: string }
  | { kind: 'author'; slug: string };

/** The scopes other than the site, which have a slug. */
export type ListScopeKind = Exclude<FeedScope['kind'], 'site'>;

export function scopeKey(scope: FeedScope): string {
  return scope.kind === 'site' ? 'site' : `${scope.kind}:${scope.slug}`;
}

/** Path prefix of a scope's feeds and page: '' for the site, '/tags/x' for a tag, and so on. */
export function scopePath(scope: FeedScope): string {
  switch (scope.kind) {
    case 'site':
      return '';
    case 'tag':
      return `/tags/${encodeURIComponent(scope.slug)}`;
    case 'category':
      return `/categories/${encodeURIComponent(scope.slug)}`;
    case 'author':
      return `/authors/${encodeURIComponent(scope.slug)}`;
  }
}
