import { type createPost } from '@careerfeed/posts';
import fs from 'node:fs';
import { SetupError } from './errors';

export type PostInput = Parameters<typeof createPost>[1];

export interface FixtureAuthor {
  slug: string;
  name: string;
  bio?: string;
  links?: Record<string, string>;
}

interface FixturePost {
  title: string;
  html: string;
  author: string;
  tags?: string[];
  category?: string;
  published_at?: string;
}

export interface Fixture {
  authors: FixtureAuthor[];
  posts: FixturePost[];
}

/** fixtures/sample-blog.json: `{site, authors, posts}`; only what the bench needs is checked. */
export function loadFixture(file: string): Fixture {
  if (!fs.existsSync(file))
    throw new SetupError(`fixture not found: ${file} (set BENCH_FIXTURE to the posts.json to use)`);
  const data = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<Fixture>;
  const authors = data.authors ?? [];
  const posts = (data.posts ?? []).filter(
    (p) => typeof p.title === 'string' && typeof p.html === 'string' && typeof p.author === 'string',
  );
  if (authors.length === 0 || posts.length === 0) throw new SetupError(`${file} has no authors or no posts`);
  return { authors, posts };
}

/**
 * Post `index` of the run: the body of one fixture post followed by one or two others (3.2–5.8 KB
 * of HTML with fixtures/sample-blog.json, whose own bodies are 1.6–2.2 KB),
 * with that post's author (a slug, created beforehand), tags, category and date. The index in the
 * title makes every generated slug distinct; it goes first because slugs are cut at 80 characters.
 */
export function buildPostInput(fixture: Fixture, index: number): PostInput {
  const n = fixture.posts.length;
  const main = fixture.posts[index % n]!;
  const bodies = [main.html, fixture.posts[(index + 1) % n]!.html];
  if (index % 3 !== 0) bodies.push(fixture.posts[(index + 5) % n]!.html);
  const input: PostInput = {
    title: `Issue ${index + 1}: ${main.title}`,
    html: bodies.join('\n'),
    author: main.author,
  };
  if (main.tags) input.tags = main.tags;
  if (main.category) input.category = main.category;
  if (main.published_at) input.published_at = main.published_at;
  return input;
}

/** The body of PUT /v1/authors/{slug} (the slug is in the path). */
export function authorBody(author: FixtureAuthor): { name: string; bio?: string; links?: Record<string, string> } {
  const body: { name: string; bio?: string; links?: Record<string, string> } = { name: author.name };
  if (author.bio !== undefined) body.bio = author.bio;
  if (author.links !== undefined) body.links = author.links;
  return body;
}
