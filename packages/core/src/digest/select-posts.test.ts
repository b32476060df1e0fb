import { buildDigestPost } from './digest-factories';
import { selectDigestPosts } from './select-posts';

const week = { start: '2025-03-03T00:00:00Z', end: '2025-03-10T00:00:00Z' };

describe('selectDigestPosts', () => {
  test('when topics are empty, then every post in the window is selected, newest first', () => {
    const older = buildDigestPost({ publishedAt: '2025-03-04T08:00:00.000Z' });
    const newer = buildDigestPost({ publishedAt: '2025-03-08T08:00:00.000Z' });
    const middle = buildDigestPost({ publishedAt: '2025-03-06T08:00:00.000Z' });

    expect(selectDigestPosts([older, newer, middle], [], week)).toEqual([newer, middle, older]);
  });

  test('when the window is given, then start is inclusive and end is exclusive, compared as instants', () => {
    const atStart = buildDigestPost({ publishedAt: '2025-03-03T00:00:00.000Z' });
    const justBeforeEnd = buildDigestPost({ publishedAt: '2025-03-09T23:59:59.999Z' });
    const atEnd = buildDigestPost({ publishedAt: '2025-03-10T00:00:00.000Z' });
    const justBeforeStart = buildDigestPost({ publishedAt: '2025-03-02T23:59:59.999Z' });

    const selected = selectDigestPosts([atStart, justBeforeEnd, atEnd, justBeforeStart], [], week);

    expect(selected).toEqual([justBeforeEnd, atStart]);
  });

  test('when a post time has an offset, then it is compared as the instant it names', () => {
    // 2025-03-09T22:00-03:00 is 2025-03-10T01:00Z: after the window.
    const late = buildDigestPost({ publishedAt: '2025-03-09T22:00:00-03:00' });
    const inside = buildDigestPost({ publishedAt: '2025-03-10T01:00:00+05:30' });

    expect(selectDigestPosts([late, inside], [], week)).toEqual([inside]);
  });

  test('when topics name tags and categories, then a post matching any of them is selected', () => {
    const resume = buildDigestPost({ tags: ['resume', 'writing'] });
    const internships = buildDigestPost({ category: 'internships' });
    const other = buildDigestPost({ tags: ['alumni'], category: 'events' });
    const tagNamedLikeCategory = buildDigestPost({ tags: ['internships'] });

    const selected = selectDigestPosts(
      [resume, internships, other, tagNamedLikeCategory],
      ['tag:resume', 'category:internships'],
      week,
    );

    expect(selected.map((p) => p.id).sort()).toEqual([resume.id, internships.id].sort());
  });

  test('when a topic is "topic:<slug>", then posts tagged with it and posts filed under it are both selected', () => {
    const tagged = buildDigestPost({ tags: ['career-fairs'], category: 'internships' });
    const filed = buildDigestPost({ tags: [], category: 'career-fairs' });
    const other = buildDigestPost({ tags: ['resume'], category: 'resumes' });

    const selected = selectDigestPosts([tagged, filed, other], ['topic:career-fairs'], week);

    expect(selected.map((p) => p.id).sort()).toEqual([tagged.id, filed.id].sort());
  });

  test('when every topic is of an unknown shape, then nothing is selected rather than everything', () => {
    const post = buildDigestPost({ tags: ['resume'] });

    expect(selectDigestPosts([post], ['resume', 'author:maya'], week)).toEqual([]);
  });

  test('when posts share a publication time, then the order is stable (id descending)', () => {
    const a = buildDigestPost({ id: 'a' });
    const b = buildDigestPost({ id: 'b' });

    expect(selectDigestPosts([a, b], [], week)).toEqual([b, a]);
    expect(selectDigestPosts([b, a], [], week)).toEqual([b, a]);
  });

  test('when a post has an unreadable date, then it is left out', () => {
    expect(selectDigestPosts([buildDigestPost({ publishedAt: 'yesterday' })], [], week)).toEqual([]);
  });

  test('when the window is not made of instants, then it throws', () => {
    expect(() => selectDigestPosts([], [], { start: 'last monday', end: week.end })).toThrow(RangeError);
  });

  test('when called, then the input array is left as it was', () => {
    const posts = [buildDigestPost({ publishedAt: '2025-03-04T00:00:00Z' }), buildDigestPost()];
    const copy = [...posts];

    selectDigestPosts(posts, [], week);

    expect(posts).toEqual(copy);
  });
});
