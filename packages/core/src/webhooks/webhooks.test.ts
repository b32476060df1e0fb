import { Webhook } from 'standardwebhooks';
import {
  STANDARD_WEBHOOK_RETRY_SCHEDULE_MS,
  deliveryVerdictOf,
  generateWebhookSecret,
  planShareDeliveries,
  shareMessageId,
  shareWebhookBody,
  signWebhook,
  webhookHeaders,
  webhookRetryDelayMs,
  webhookSecretKey,
} from './index';
import { parseRetryAfter } from '../retry-after';

const POST = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';
const DEST_A = '0190a1b2-0000-7e5f-8a9b-00000000000a';
const DEST_B = '0190a1b2-0000-7e5f-8a9b-00000000000b';

describe('webhook secrets and signatures', () => {
  test('when a secret is generated, then it is whsec_ plus base64 of 32 random bytes, new each time', () => {
    const a = generateWebhookSecret();
    const b = generateWebhookSecret();

    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(webhookSecretKey(a)).toHaveLength(32);
    expect(a).not.toBe(b);
  });

  test('when a body is signed, then the official standardwebhooks verifier accepts it and rejects a changed body', () => {
    const secret = generateWebhookSecret();
    const body = JSON.stringify({ type: 'share.payload.created', data: { text: 'Crème brûlée 👩‍💻 العربية' } });
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = webhookHeaders(secret, 'msg_abc', timestamp, body);

    const verifier = new Webhook(secret);
    expect(verifier.verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => verifier.verify(body.replace('Crème', 'Creme'), headers)).toThrow();
    expect(() => new Webhook(generateWebhookSecret()).verify(body, headers)).toThrow();
  });

  test('when signed, then the signature is v1 and the HMAC of "id.timestamp.body" the spec describes (its example)', () => {
    // The example of the Standard Webhooks spec (and of its reference libraries).
    const signature = signWebhook(
      'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      'msg_p5jXN8AQM9LWM0D4loKWxJek',
      1614265330,
      '{"test": 2432232314}',
    );

    expect(signature).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });
});

describe('shareMessageId', () => {
  test('when the same destination, post and network are given twice, then the id is the same; any change gives another', () => {
    const id = shareMessageId(DEST_A, POST, 'x');

    expect(shareMessageId(DEST_A, POST, 'x')).toBe(id);
    expect(id).toMatch(/^msg_[A-Za-z0-9_-]{32}$/);
    expect(new Set([id, shareMessageId(DEST_B, POST, 'x'), shareMessageId(DEST_A, POST, 'mastodon')]).size).toBe(3);
  });
});

describe('planShareDeliveries', () => {
  test('when destinations want some networks, then one message per enabled destination and wanted network that has a payload', () => {
    const plan = planShareDeliveries(
      POST,
      ['x', 'mastodon', 'bluesky'],
      [
        { id: DEST_A, networks: ['x', 'linkedin', 'x'], enabled: true },
        { id: DEST_B, networks: ['mastodon', 'bluesky'], enabled: true },
        { id: 'disabled', networks: ['x'], enabled: false },
      ],
    );

    expect(plan).toEqual([
      { messageId: shareMessageId(DEST_A, POST, 'x'), destinationId: DEST_A, network: 'x' },
      { messageId: shareMessageId(DEST_B, POST, 'mastodon'), destinationId: DEST_B, network: 'mastodon' },
      { messageId: shareMessageId(DEST_B, POST, 'bluesky'), destinationId: DEST_B, network: 'bluesky' },
    ]);
    expect(planShareDeliveries(POST, ['x', 'mastodon', 'bluesky'], [])).toEqual([]);
  });
});

describe('shareWebhookBody', () => {
  test('when built, then it carries the type, creation time, post, network and the payload as is', () => {
    const body = shareWebhookBody({
      postId: POST,
      postUrl: 'https://careers.example/posts/a',
      network: 'facebook',
      payload: { message: 'Hi', link: 'https://careers.example/posts/a?utm_source=facebook' },
      createdAt: new Date('2026-11-26T01:02:03.004Z'),
    });

    expect(JSON.parse(body)).toEqual({
      type: 'share.payload.created',
      timestamp: '2026-11-26T01:02:03.004Z',
      data: {
        post_id: POST,
        post_url: 'https://careers.example/posts/a',
        network: 'facebook',
        payload: { message: 'Hi', link: 'https://careers.example/posts/a?utm_source=facebook' },
      },
    });
  });
});

describe('webhookRetryDelayMs', () => {
  test('when attempts fail one after another, then the delays are the Standard Webhooks schedule, then none', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7, 8].map((n) => webhookRetryDelayMs(n));

    expect(delays).toEqual([5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000, undefined]);
    expect(STANDARD_WEBHOOK_RETRY_SCHEDULE_MS.reduce((a, b) => a + b, 0) / 3_600_000).toBeCloseTo(27.6, 1);
  });

  test('when the receiver asks for a Retry-After, then it lengthens the wait, never shortens it, and is clamped', () => {
    const schedule = [100, 200];

    expect(webhookRetryDelayMs(1, schedule, 5_000)).toBe(5_000);
    expect(webhookRetryDelayMs(2, schedule, 50)).toBe(200);
    expect(webhookRetryDelayMs(1, schedule, 10 * 24 * 3_600_000)).toBe(24 * 3_600_000);
    expect(webhookRetryDelayMs(1, schedule, 90_000, 60_000)).toBe(60_000);
    expect(webhookRetryDelayMs(3, schedule, 1_000)).toBeUndefined();
    expect(webhookRetryDelayMs(0, schedule)).toBeUndefined();
  });
});

describe('parseRetryAfter', () => {
  const now = new Date('2026-11-26T10:00:00.000Z');

  test.each([
    ['120', 120_000],
    [' 0 ', 0],
    ['Thu, 26 Nov 2026 10:01:30 GMT', 90_000],
    ['Thursday, 26-Nov-26 10:00:10 GMT', 10_000],
    ['Thu Nov 26 10:00:05 2026', 5_000],
    ['Wed, 25 Nov 2026 10:00:00 GMT', 0],
  ])('when Retry-After is %j, then the wait is %d ms', (value, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });

  test.each([undefined, '', '-5', '1.5', 'soon', '١٢٠', '99999999999', 'Thu, 26 Nov 2026 25:99:00 GMT'])(
    'when Retry-After is %j, then it is ignored',
    (value) => {
      expect(parseRetryAfter(value, now)).toBeUndefined();
    },
  );
});

describe('deliveryVerdictOf', () => {
  test.each([
    [200, 'delivered'],
    [204, 'delivered'],
    [299, 'delivered'],
    [301, 'retry'],
    [308, 'retry'],
    [400, 'retry'],
    [410, 'gone'],
    [429, 'retry'],
    [500, 'retry'],
  ])('when the receiver answers %d, then the verdict is %s', (status, verdict) => {
    expect(deliveryVerdictOf(status)).toBe(verdict);
  });
});
