import fs from 'node:fs';
import path from 'node:path';
import { htmlToPlainText } from '../../packages/core/src/plain-text';
import { type RelatedDocument, type RelatedEntry } from '../../packages/core/src/related';

/** The labelled sample: 48 career-blog posts, 6 in each of 8 topics. */
export const FIXTURE_PATH = path.join(__dirname, '../../fixtures/sample-blog.json');
/**
 * The second labelled corpus (issue 16): 64 posts, 8 in each of 8 other topics, other writers,
 * messier tags. Nothing in the engine was chosen on it; it checks what was chosen on the first.
 */
export const SECOND_FIXTURE_PATH = path.join(__dirname, '../../fixtures/related-eval-b.json');
/**
 * The third and fourth (issue 16, docs/decisions.md "a third labelled corpus"): 64 posts in 8
 * topics by two more writers (eval_c), and 32 + 32 by two others, one blog whose editor gives
 * every post a section tag (eval_d_tidy) and one tagged as authors please (eval_d_loose).
 * eval_d was written after RANKING_VERSION 5 was chosen and was never chosen on.
 */
export const THIRD_FIXTURE_PATH = path.join(__dirname, '../../fixtures/related-eval-c.json');
export const FOURTH_FIXTURE_PATHS = {
  eval_d_tidy: path.join(__dirname, '../../fixtures/related-eval-d-tidy.json'),
  eval_d_loose: path.join(__dirname, '../../fixtures/related-eval-d-loose.json'),
} as const;
/**
 * The fifth pair (docs/decisions.md, "a tag share that follows how the blog tags"): 32 + 32 posts
 * by two more writers in two tagging styles (eval_e_tidy, every post its section tag; eval_e_loose,
 * authors' own tags, mostly genres). Written after version 5 shipped; it rejected a version 6.
 */
export const FIFTH_FIXTURE_PATHS = {
  eval_e_tidy: path.join(__dirname, '../../fixtures/related-eval-e-tidy.json'),
  eval_e_loose: path.join(__dirname, '../../fixtures/related-eval-e-loose.json'),
} as const;
/**
 * The sixth set: 32 posts each by three more writers, tidy, loose, and mixed (section tags on most
 * posts, genre tags added freely). Written after the second version 6 was fixed; it rejected it.
 */
export const SIXTH_FIXTURE_PATHS = {
  eval_f_tidy: path.join(__dirname, '../../fixtures/related-eval-f-tidy.json'),
  eval_f_loose: path.join(__dirname, '../../fixtures/related-eval-f-loose.json'),
  eval_f_mixed: path.join(__dirname, '../../fixtures/related-eval-f-mixed.json'),
} as const;

interface FixturePost {
  slug: string;
  title: string;
  html: string;
  tags: string[];
  category: string;
  topic: string;
}

export interface LabelledPosts {
  /** What the engine sees: no category (it equals the topic in this file) and no topic. */
  docs: RelatedDocument[];
  topicOf: Map<string, string>;
}

export function loadLabelledPosts(file: string = FIXTURE_PATH): LabelledPosts {
  const { posts } = JSON.parse(fs.readFileSync(file, 'utf8')) as { posts: FixturePost[] };
  return {
    docs: posts.map((post) => ({
      id: post.slug,
      title: post.title,
      text: htmlToPlainText(post.html),
      tags: post.tags,
      category: null,
    })),
    topicOf: new Map(posts.map((post) => [post.slug, post.topic])),
  };
}

/** Precision@k: the share of related links that point to a post of the same topic. */
export function precision(lists: Map<string, RelatedEntry[]>, topicOf: Map<string, string>): number {
  let links = 0;
  let sameTopic = 0;
  for (const [id, list] of lists) {
    for (const entry of list) {
      links++;
      if (topicOf.get(entry.id) === topicOf.get(id)) sameTopic++;
    }
  }
  return links === 0 ? 0 : sameTopic / links;
}
