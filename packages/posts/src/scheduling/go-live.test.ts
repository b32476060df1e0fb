import { type PostEvent, type PostSnapshot, postGoesLiveJobId } from '@careerfeed/jobs';
import { becomesVisible, isVisibleAt } from '../posts/visibility';
import { scheduleActionOf, wentLiveEvent } from './go-live';

const NOW = new Date('2026-07-01T12:00:00.000Z');
const ID = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';

function snap(overrides: Partial<PostSnapshot> = {}): PostSnapshot {
  return {
    id: ID,
    slug: 'interview-tips',
    status: 'published',
    published_at: '2026-07-02T09:00:00-05:00',
    author: 'maya-okafor',
    category: 'interviews',
    tags: ['interviews'],
    ...overrides,
  };
}

function event(type: PostEvent['type'], before: PostSnapshot | null, after: PostSnapshot | null): PostEvent {
  return { eventId: 'e1', type, postId: ID, occurredAt: NOW.toISOString(), before, after };
}

const T = Date.parse('2026-07-02T14:00:00.000Z');

describe('scheduleActionOf', () => {
  test('when a post is published for later, then a job is added for its time with the delay until then', () => {
    expect(scheduleActionOf(event('post.published', null, snap()), NOW)).toEqual({
      add: {
        jobId: `live-${ID}-${T}`,
        delayMs: T - NOW.getTime(),
        data: { postId: ID, publishedAtUtc: '2026-07-02T14:00:00.000Z' },
      },
    });
  });

  test('when the same instant is written with another offset, then the job id is the same and nothing is removed', () => {
    const action = scheduleActionOf(
      event('post.updated', snap(), snap({ published_at: '2026-07-02T16:00:00+02:00' })),
      NOW,
    );
    expect(action.add?.jobId).toBe(postGoesLiveJobId(ID, T));
    expect(action.remove).toBeUndefined();
  });

  test('when the time is edited, then the old job is removed and a new one added', () => {
    const later = snap({ published_at: '2026-07-03T09:00:00-05:00' });
    const action = scheduleActionOf(event('post.updated', snap(), later), NOW);
    expect(action.remove).toBe(`live-${ID}-${T}`);
    expect(action.add?.jobId).toBe(`live-${ID}-${Date.parse('2026-07-03T14:00:00Z')}`);
  });

  test('when the time is moved into the past, then the old job is removed and none added (the post is live now)', () => {
    const past = snap({ published_at: '2026-06-30T09:00:00Z' });
    expect(scheduleActionOf(event('post.updated', snap(), past), NOW)).toEqual({ remove: `live-${ID}-${T}` });
  });

  test('when a scheduled post is unpublished or deleted, then its job is removed and none added', () => {
    expect(scheduleActionOf(event('post.unpublished', snap(), snap({ status: 'draft' })), NOW)).toEqual({
      remove: `live-${ID}-${T}`,
    });
    expect(scheduleActionOf(event('post.deleted', snap(), null), NOW)).toEqual({ remove: `live-${ID}-${T}` });
  });

  test('when a post is published now or in the past, a draft has a future time, or has no time, then nothing is scheduled', () => {
    const past = snap({ published_at: '2026-06-01T00:00:00Z' });
    expect(scheduleActionOf(event('post.published', null, past), NOW)).toEqual({});
    expect(scheduleActionOf(event('post.published', null, snap({ published_at: NOW.toISOString() })), NOW)).toEqual({});
    expect(scheduleActionOf(event('post.created', null, snap({ status: 'draft' })), NOW)).toEqual({});
    expect(scheduleActionOf(event('post.created', null, snap({ status: 'draft', published_at: null })), NOW)).toEqual(
      {},
    );
    expect(scheduleActionOf(event('post.updated', past, snap({ ...past, tags: ['x'] })), NOW)).toEqual({});
  });

  test('when a draft with a future time is published, then a job is added and nothing removed', () => {
    const action = scheduleActionOf(event('post.published', snap({ status: 'draft' }), snap()), NOW);
    expect(action.add?.jobId).toBe(`live-${ID}-${T}`);
    expect(action.remove).toBeUndefined();
  });
});

describe('isVisibleAt and wentLiveEvent', () => {
  test('when the time has come, then the post is visible; before it, or as a draft, it is not', () => {
    expect(isVisibleAt(snap(), new Date(T))).toBe(true);
    expect(isVisibleAt(snap(), new Date(T - 1))).toBe(false);
    expect(isVisibleAt(snap({ status: 'draft' }), new Date(T))).toBe(false);
    expect(isVisibleAt(null, new Date(T))).toBe(false);
  });

  test('when a post goes live, then the event is a post.published with no before state', () => {
    const live = wentLiveEvent(snap(), new Date(T));
    expect(live).toMatchObject({ type: 'post.published', postId: ID, before: null, after: snap() });
    expect(live.occurredAt).toBe('2026-07-02T14:00:00.000Z');
  });
});

describe('becomesVisible', () => {
  const past = snap({ published_at: '2026-06-01T00:00:00Z' });
  test('when a post is published now, moved from later to the past, or goes live, then it becomes visible', () => {
    expect(becomesVisible(event('post.published', null, past), NOW)).toBe(true);
    expect(becomesVisible(event('post.published', snap({ ...past, status: 'draft' }), past), NOW)).toBe(true);
    expect(becomesVisible(event('post.updated', snap(), past), NOW)).toBe(true);
    expect(becomesVisible(wentLiveEvent(snap(), new Date(T)), new Date(T))).toBe(true);
  });

  test('when a post is published for later, edited while visible, or unpublished, then it does not', () => {
    expect(becomesVisible(event('post.published', null, snap()), NOW)).toBe(false);
    expect(becomesVisible(event('post.updated', past, { ...past, tags: ['x'] }), NOW)).toBe(false);
    expect(becomesVisible(event('post.unpublished', past, { ...past, status: 'draft' }), NOW)).toBe(false);
  });
});
