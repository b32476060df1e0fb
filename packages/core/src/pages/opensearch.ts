import type { SiteView } from './page-model';
import { attr, text } from './html';

export const OPENSEARCH_MEDIA_TYPE = 'application/opensearchdescription+xml';

/** Where the description lives, under the site's home. */
export function openSearchUrl(site: SiteView): string {
  return `${site.homeUrl}opensearch.xml`;
}

/**
 * The OpenSearch 1.1 description document: lets a browser add the site as a search engine (the
 * pages link it with rel="search"). ShortName is limited to 16 characters by the spec.
 */
export function renderOpenSearchDescription(site: SiteView): string {
  const shortName = [...site.title].slice(0, 16).join('');
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<OpenSearchDescription xmlns="http://a9.com/-/spec/opensearch/1.1/">',
    `  <ShortName>${text(shortName)}</ShortName>`,
    `  <Description>${text(`Search the posts of ${site.title}`)}</Description>`,
    `  <InputEncoding>UTF-8</InputEncoding>`,
    `  <Language>${text(site.language)}</Language>`,
    `  <Url type="text/html" method="get" template="${attr(`${site.homeUrl}search?q={searchTerms}`)}"/>`,
    `  <Url type="application/json" method="get" template="${attr(`${site.homeUrl}v1/search?q={searchTerms}`)}"/>`,
    `  <Url type="${OPENSEARCH_MEDIA_TYPE}" rel="self" template="${attr(openSearchUrl(site))}"/>`,
    '</OpenSearchDescription>',
    '',
  ].join('\n');
}
