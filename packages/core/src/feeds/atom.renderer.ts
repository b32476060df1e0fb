import { contentWithRelatedPosts, GENERATOR, prepareFeed, termsOf } from './feed-content';
import { EMPTY_FEED_UPDATED, feedUpdated, parseFeedDate, type FeedDocument, type FeedItem } from './feed-model';
import { escapeXml, xmlElement as el } from './xml-writer';

const ATOM = 'application/atom+xml';

/**
 * Atom 1.0 (RFC 4287) with RFC 5005 paging links and WebSub discovery, written by hand: every
 * string goes through `escapeXml`, so there is no CDATA section to break.
 */
export function renderAtom(input: FeedDocument): string {
  const doc = prepareFeed(input);
  const { links } = doc;
  const head = [
    el('id', {}, doc.id),
    el('title', { type: 'text' }, doc.title),
    el('subtitle', { type: 'text' }, doc.description),
    el('updated', {}, feedUpdated(doc) ?? EMPTY_FEED_UPDATED),
    el('generator', {}, GENERATOR),
    ...(doc.iconUrl === undefined ? [] : [el('icon', {}, doc.iconUrl)]),
    ...(doc.logoUrl === undefined ? [] : [el('logo', {}, doc.logoUrl)]),
    el('link', { rel: 'self', type: ATOM, href: links.self }),
    el('link', { rel: 'alternate', type: 'text/html', href: links.alternateHtml }),
    ...optionalLink('first', links.first),
    ...optionalLink('next', links.next),
    ...optionalLink('previous', links.previous),
    ...optionalLink('prev-archive', links.prevArchive),
    ...(links.hub === undefined ? [] : [el('link', { rel: 'hub', href: links.hub })]),
  ];
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    `<feed xmlns="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/" xml:lang="${escapeXml(doc.language)}">`,
    ...indent(head),
    ...doc.items.flatMap((item) => indent(renderEntry(item))),
    '</feed>',
    '',
  ].join('\n');
}

function renderEntry(item: FeedItem): string[] {
  const body = [
    el('id', {}, item.id),
    el('title', { type: 'text' }, item.title),
    el('link', { rel: 'alternate', type: 'text/html', href: item.url }),
    ...item.related.map((link) => el('link', { rel: 'related', type: 'text/html', href: link.url, title: link.title })),
    el('published', {}, parseFeedDate(item.published).local),
    el('updated', {}, parseFeedDate(item.updated).local),
    '<author>',
    ...indent([el('name', {}, item.author.name), el('uri', {}, item.author.url)]),
    '</author>',
    ...termsOf(item).map((term) => el('category', { term: term.slug, label: term.name })),
    ...(item.image === null ? [] : [el('media:content', { url: item.image, medium: 'image' })]),
    el('summary', { type: 'text' }, item.summary),
    el('content', { type: 'html' }, contentWithRelatedPosts(item)),
  ];
  return ['<entry>', ...indent(body), '</entry>'];
}

function optionalLink(rel: string, href: string | undefined): string[] {
  return href === undefined ? [] : [el('link', { rel, type: ATOM, href })];
}

function indent(lines: string[]): string[] {
  return lines.map((line) => `  ${line}`);
}
