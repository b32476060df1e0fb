import { saveSite } from '@careerfeed/posts';
import { buildPost } from '../helpers/factories';
import type { IngestHarness } from '../helpers/ingest';

export const TOPICS_SITE = { title: 'Career Center Blog', description: 'Advice on jobs.', language: 'en' };

/**
 * The confusion readers met: "career-fairs" is a tag on two posts and a category of six, one post
 * being both. As one topic it holds seven posts. A draft and a scheduled post in it count for
 * nothing. "Networking" is a tag living in the internships category.
 */
export async function seedTopics(ingest: IngestHarness): Promise<Record<string, string>> {
  const auth = await ingest.bearer();
  const ids: Record<string, string> = {};
  const create = async (name: string, overrides: Record<string, unknown>) => {
    const response = await ingest.request
      .post('/v1/posts')
      .set('Authorization', auth)
      .send(buildPost({ slug: name, title: `Post ${name}`, ...overrides }));
    if (response.status !== 201) throw new Error(`creating ${name}: ${response.status} ${response.text}`);
    ids[name] = (response.body as { id: string }).id;
  };
  await saveSite(ingest.db.kysely, TOPICS_SITE, new Date().toISOString());
  const sam = { slug: 'sam-lee', name: 'Sam Lee', bio: 'Employer relations.' };
  await create('fair-both', {
    category: 'career-fairs',
    tags: ['career-fairs', 'Resumes'],
    published_at: '2025-03-01T09:00:00Z',
  });
  for (let i = 1; i <= 5; i++) {
    await create(`fair-${i}`, { category: 'career-fairs', tags: [], published_at: `2025-02-0${i}T09:00:00Z` });
  }
  await create('fair-tag-only', {
    category: 'internships',
    tags: ['career-fairs'],
    author: sam,
    published_at: '2025-03-02T09:00:00Z',
  });
  await create('intern-net', {
    category: 'internships',
    tags: ['Networking'],
    author: 'sam-lee',
    published_at: '2025-01-15T09:00:00Z',
  });
  await create('fair-draft', { category: 'career-fairs', tags: ['career-fairs'], status: 'draft' });
  await create('fair-scheduled', {
    category: 'career-fairs',
    tags: ['career-fairs'],
    published_at: '2999-01-01T00:00:00Z',
  });
  return ids;
}
