import { buildTopicDirectory, popularTopics, readableSlug, topicLabel, type TopicFacts } from './topic-directory';

function facts(overrides: Partial<TopicFacts> = {}): TopicFacts {
  return {
    tags: [],
    categories: [],
    postCounts: new Map(),
    tagCategoryCounts: [],
    ...overrides,
  };
}

describe('topic names', () => {
  test('when a name is only its slug, then it is written the way a person would', () => {
    expect(readableSlug('career-fairs')).toBe('Career fairs');
    expect(topicLabel('career-fairs', 'career-fairs')).toBe('Career fairs');
    expect(topicLabel('career-fairs', undefined)).toBe('Career fairs');
  });

  test('when an editor typed a name, then it is kept as typed', () => {
    expect(topicLabel('job-search', 'Job search')).toBe('Job search');
    expect(topicLabel('c-plus-plus', 'C++')).toBe('C++');
  });
});

describe('buildTopicDirectory', () => {
  test('when a tag and a category share a slug, then they are one topic with the union count, heading its category group', () => {
    const directory = buildTopicDirectory(
      facts({
        tags: [
          { slug: 'career-fairs', name: 'career-fairs' },
          { slug: 'handshake', name: 'Handshake' },
        ],
        categories: ['career-fairs'],
        postCounts: new Map([
          ['career-fairs', 7],
          ['handshake', 2],
        ]),
        tagCategoryCounts: [
          { tag: 'career-fairs', category: 'career-fairs', posts: 1 },
          { tag: 'handshake', category: 'career-fairs', posts: 2 },
        ],
      }),
    );
    expect(directory.bySlug.get('career-fairs')).toEqual({
      slug: 'career-fairs',
      label: 'Career fairs',
      posts: 7,
      isTag: true,
      isCategory: true,
      group: 'career-fairs',
    });
    expect(directory.groups).toEqual([
      {
        slug: 'career-fairs',
        label: 'Career fairs',
        topics: [directory.bySlug.get('career-fairs'), directory.bySlug.get('handshake')],
      },
    ]);
  });

  test('when a tag spans categories, then it joins the one holding most of its posts; ties go to the bigger category', () => {
    const directory = buildTopicDirectory(
      facts({
        tags: [
          { slug: 'salary', name: 'Salary' },
          { slug: 'offers', name: 'Offers' },
        ],
        categories: ['negotiation', 'job-search'],
        postCounts: new Map([
          ['negotiation', 3],
          ['job-search', 9],
          ['salary', 4],
          ['offers', 2],
        ]),
        tagCategoryCounts: [
          { tag: 'salary', category: 'negotiation', posts: 3 },
          { tag: 'salary', category: 'job-search', posts: 1 },
          { tag: 'offers', category: 'negotiation', posts: 1 },
          { tag: 'offers', category: 'job-search', posts: 1 },
        ],
      }),
    );
    expect(directory.bySlug.get('salary')!.group).toBe('negotiation');
    expect(directory.bySlug.get('offers')!.group).toBe('job-search');
    // Bigger groups first; inside a group the category, then its tags by size.
    expect(directory.groups.map((g) => [g.label, g.topics.map((t) => t.slug)])).toEqual([
      ['Job search', ['job-search', 'offers']],
      ['Negotiation', ['negotiation', 'salary']],
    ]);
  });

  test('when a topic has no visible post, then it exists but is listed in no group; uncategorised tags go to "More topics" last', () => {
    const directory = buildTopicDirectory(
      facts({
        tags: [
          { slug: 'drafts-only', name: 'Drafts only' },
          { slug: 'loose', name: 'Loose' },
        ],
        categories: ['events'],
        postCounts: new Map([
          ['events', 1],
          ['loose', 5],
        ]),
      }),
    );
    expect(directory.bySlug.has('drafts-only')).toBe(true);
    expect(directory.groups.map((g) => [g.slug, g.label, g.topics.map((t) => t.slug)])).toEqual([
      ['events', 'Events', ['events']],
      [null, 'More topics', ['loose']],
    ]);
  });

  test('when popular topics are asked for, then the biggest come first, ties by name', () => {
    const directory = buildTopicDirectory(
      facts({
        tags: ['a', 'b', 'c', 'd'].map((slug) => ({ slug, name: slug.toUpperCase() })),
        postCounts: new Map([
          ['a', 1],
          ['b', 5],
          ['c', 5],
          ['d', 2],
        ]),
      }),
    );
    expect(popularTopics(directory, 3).map((t) => t.slug)).toEqual(['b', 'c', 'd']);
  });
});
