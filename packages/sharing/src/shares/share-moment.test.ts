import { type PostEvent, type PostSnapshot, webhookDeliveryJobOptions } from '@careerfeed/jobs';
import { isSharedOn } from './share-moment';

const NOW = new Date('2026-07-01T12:00:00.000Z');
const DAY = 24 * 3_600_000;

function snap(overrides: Partial<PostSnapshot> = {}): PostSnapshot {
  return {
    id: 'p1',
    slug: 's',
    status: 'published',
    published_at: '2026-07-01T11:59:00Z',
    author: 'a',
    category: null,
    tags: [],
    ...overrides,
  };
}

function event(before: PostSnapshot | null, after: PostSnapshot | null, occurredAt = NOW.toISOString()): PostEvent {
  return { eventId: 'e1', type: 'post.published', postId: 'p1', occurredAt, before, after };
}

describe('isSharedOn', () => {
  test('when a post is published now, then it is shared', () => {
    expect(isSharedOn(event(null, snap()), NOW, DAY)).toBe(true);
  });

  test('when an old post is imported (published long before the event), then it is not shared', () => {
    expect(isSharedOn(event(null, snap({ published_at: '2024-03-01T09:00:00Z' })), NOW, DAY)).toBe(false);
    expect(isSharedOn(event(null, snap({ published_at: '2026-06-30T11:59:00Z' })), NOW, DAY)).toBe(false);
  });

  test('when the event was handled late, then its own time decides, not the time of handling', () => {
    const late = new Date(NOW.getTime() + 3 * DAY);

    expect(isSharedOn(event(null, snap()), late, DAY)).toBe(true);
  });

  test('when the post is scheduled, edited while visible, or unpublished, then it is not shared', () => {
    expect(isSharedOn(event(null, snap({ published_at: '2026-07-02T00:00:00Z' })), NOW, DAY)).toBe(false);
    expect(isSharedOn(event(snap(), snap({ slug: 'edited' })), NOW, DAY)).toBe(false);
    expect(isSharedOn(event(snap(), snap({ status: 'draft' })), NOW, DAY)).toBe(false);
  });
});

describe('webhookDeliveryJobOptions', () => {
  test('when built, then the job id is the message id and the backoff is the webhook schedule', () => {
    const options = webhookDeliveryJobOptions('msg_abc');

    expect(options.jobId).toBe('msg_abc');
    expect(options.backoff).toEqual({ type: 'webhook-schedule' });
    expect(options.attempts).toBeGreaterThanOrEqual(8);
  });
});
