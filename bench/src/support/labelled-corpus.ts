import { htmlToPlainText, type RelatedDocument, type RelatedEntry } from '@careerfeed/core';
import fs from 'node:fs';

/**
 * Labelled corpora for measuring related posts: the shape of fixtures/sample-blog.json, each post
 * with a ground-truth `topic`. The engine sees title, plain text and tags, never the topic nor
 * the category (in sample-blog.json the category equals the topic).
 */
export interface LabelledCorpus {
  name: string;
  /** In publication order, oldest first (the order a blog's index is built in). */
  docs: RelatedDocument[];
  topicOf: Map<string, string>;
}

interface FixturePost {
  slug: string;
  title: string;
  html: string;
  tags: string[];
  topic: string;
  published_at: string;
}

export function loadLabelledCorpus(name: string, file: string): LabelledCorpus {
  const { posts } = JSON.parse(fs.readFileSync(file, 'utf8')) as { posts: FixturePost[] };
  const ordered = [...posts].sort((a, b) => Date.parse(a.published_at) - Date.parse(b.published_at));
  return {
    name,
    docs: ordered.map((post) => ({
      id: post.slug,
      title: post.title,
      text: htmlToPlainText(post.html),
      tags: post.tags,
      category: null,
    })),
    topicOf: new Map(ordered.map((post) => [post.slug, post.topic])),
  };
}

/** Precision@k: share of related links that point to a post of the same topic (missing links count as wrong). */
export function precisionAtK(lists: Map<string, RelatedEntry[]>, topicOf: Map<string, string>, k: number): number {
  let right = 0;
  for (const [id, list] of lists) {
    for (const entry of list.slice(0, k)) if (topicOf.get(entry.id) === topicOf.get(id)) right++;
  }
  return lists.size === 0 ? 0 : right / (lists.size * k);
}

/** Share of the links shown that point to a post of the same topic (what tests/related prints). */
export function precisionOfShownLinks(lists: Map<string, RelatedEntry[]>, topicOf: Map<string, string>): number {
  let links = 0;
  let right = 0;
  for (const [id, list] of lists) {
    for (const entry of list) {
      links++;
      if (topicOf.get(entry.id) === topicOf.get(id)) right++;
    }
  }
  return links === 0 ? 0 : right / links;
}

/**
 * nDCG@k with binary relevance (same topic): DCG of the list over the DCG of k relevant links
 * (every topic here has more than k other posts), averaged over posts.
 */
export function ndcgAtK(lists: Map<string, RelatedEntry[]>, topicOf: Map<string, string>, k: number): number {
  let ideal = 0;
  for (let rank = 1; rank <= k; rank++) ideal += 1 / Math.log2(rank + 1);
  let sum = 0;
  for (const [id, list] of lists) {
    let dcg = 0;
    list.slice(0, k).forEach((entry, i) => {
      if (topicOf.get(entry.id) === topicOf.get(id)) dcg += 1 / Math.log2(i + 2);
    });
    sum += dcg / ideal;
  }
  return lists.size === 0 ? 0 : sum / lists.size;
}
