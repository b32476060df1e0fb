/**
 * The one public address of a post: `<PUBLIC_BASE_URL>/posts/<slug>`. Feeds, pages, digests, share
 * payloads and the API all link here, so a change of scheme is made in this one place.
 */
export function postUrl(publicBaseUrl: string, slug: string): string {
  return `${publicBaseUrl}/posts/${encodeURIComponent(slug)}`;
}
