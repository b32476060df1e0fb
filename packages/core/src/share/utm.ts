import { type Network, type ShareUtm } from './share.types';

const UTM_KEYS = ['utm_source', 'utm_medium', 'utm_campaign'] as const;

function decodeKey(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return raw;
  }
}

/**
 * Adds `utm_source`, `utm_medium` and `utm_campaign` to an absolute URL. Existing query parameters
 * are kept byte for byte (re-serializing through URLSearchParams would turn `%20` into `+` and
 * reorder nothing but still rewrite the author's link); existing utm_* keys are replaced, so
 * applying it twice gives the same URL.
 */
export function addUtmParams(url: string, network: Network, utm: ShareUtm = {}): string {
  const u = new URL(url);
  const values: Record<(typeof UTM_KEYS)[number], string> = {
    utm_source: utm.source ?? network,
    utm_medium: utm.medium ?? 'social',
    utm_campaign: utm.campaign ?? 'careerfeed',
  };
  const kept = u.search
    .replace(/^\?/, '')
    .split('&')
    .filter((pair) => pair !== '' && !(UTM_KEYS as readonly string[]).includes(decodeKey(pair.split('=')[0] ?? '')));
  const added = UTM_KEYS.map((k) => `${k}=${encodeURIComponent(values[k])}`);
  u.search = `?${[...kept, ...added].join('&')}`;
  return u.toString();
}
