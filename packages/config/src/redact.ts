/**
 * Secrets that must never reach a log line, an error message or a metric label. One place, used by
 * every service's logger (see `createLogger` in @careerfeed/http) and by code that reports URLs.
 */

export const REDACTED = '[redacted]';

// scheme://user:password@host… — only the password is hidden, so a log still says which user and
// which host. A URL without a password (or not a URL at all) is returned unchanged.
const USERINFO_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s/?#@:]*):([^\s/?#@]*)@/gi;

// token=… in a query string or form (also access_token, id_token…), up to the next separator.
const TOKEN_PARAMETER = /([?&;](?:[a-z0-9_-]*token|secret|password|key|signature|sig)=)([^&#\s"']*)/gi;

// Standard Webhooks secrets (`whsec_` + base64) and our API keys (`cf_` + 43 base64url), wherever they appear.
const WEBHOOK_SECRET = /whsec_[A-Za-z0-9+/=_-]+/g;
const API_KEY = /\bcf_[A-Za-z0-9_-]{20,}/g;

/** `postgres://app:s3cret@db/x` → `postgres://app:***@db/x`, in a URL or anywhere inside a message. */
export function redactUrl(text: string): string {
  return text.replace(USERINFO_PASSWORD, (_match, head: string) => `${head}:***@`);
}

/** A request path with the values of token-like query parameters replaced: `/unsubscribe?token=[redacted]`. */
export function redactQuery(pathAndQuery: string): string {
  return pathAndQuery.replace(TOKEN_PARAMETER, (_match, name: string) => `${name}${REDACTED}`);
}

/** Every rule above, for free text such as an error message: passwords in URLs, token parameters, webhook secrets, API keys. */
export function redactSecrets(text: string): string {
  return redactQuery(redactUrl(text)).replace(WEBHOOK_SECRET, `whsec_${REDACTED}`).replace(API_KEY, `cf_${REDACTED}`);
}
