import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '@careerfeed/config';
import { type Db, readSubscriptionTokenKey } from '@careerfeed/db';
import { createLogger } from '@careerfeed/http';
import { RedisErrors, createRedisConnection, openDigestsQueue } from '@careerfeed/jobs';
import {
  type Mailer,
  createDigestContent,
  createDigestSender,
  enqueueCurrentPeriods,
  findSubscriberByEmail,
  runDigestTick,
} from '@careerfeed/digests';

export type DigestRunFrequency = 'daily' | 'weekly' | 'all' | undefined;

/**
 * `digest run`: the scheduler's tick, now — every daily/weekly digest that is due (or only one
 * frequency's). `--frequency all`: each active subscriber's digest of the current period, whatever
 * their delivery hour. Either way the worker sends them; nothing is sent twice.
 */
export async function runDigests(config: Config, db: Db, frequency: DigestRunFrequency): Promise<number> {
  // Waits for Redis to connect, but gives up rather than hang when it is down.
  const redis = createRedisConnection(
    config.redisUrl,
    'producer',
    new RedisErrors(createLogger('cli', config.logLevel)),
    {
      enableOfflineQueue: true,
    },
  );
  const queue = openDigestsQueue(redis, config.redisPrefix);
  try {
    const deps = { db, queue, now: () => new Date() };
    const result =
      frequency === 'all'
        ? await enqueueCurrentPeriods(deps)
        : await runDigestTick(deps, frequency ? { frequencies: [frequency] } : {});
    return result.enqueued;
  } finally {
    await queue.close();
    redis.disconnect();
  }
}

const noMail: Mailer = {
  send: () => Promise.reject(new Error('a preview sends nothing')),
  close: () => Promise.resolve(),
};

/**
 * `digest preview --email ADDR`: renders the digest that subscriber would get now (everything new
 * since their last digest, their topics) into an HTML and a text file. Sends and records nothing.
 */
export async function previewDigest(
  config: Config,
  db: Db,
  email: string,
  outDir: string,
): Promise<{ files: string[]; subject: string; posts: number; status: string } | { nothing: string }> {
  const subscriber = await findSubscriberByEmail(db.kysely, email.trim().toLowerCase());
  if (!subscriber) return { nothing: `no subscriber with address ${email}` };
  const sender = createDigestSender({
    db,
    mailer: noMail,
    content: createDigestContent({ db, publicBaseUrl: config.publicBaseUrl }),
    mailFrom: config.mailFrom,
    publicBaseUrl: config.publicBaseUrl,
    tokenKey: await readSubscriptionTokenKey(db.kysely),
    now: () => new Date(),
    logger: createLogger('cli', 'silent'),
  });
  const preview = await sender.preview(subscriber);
  if (!preview) return { nothing: `nothing new for ${subscriber.email} since the last digest: no mail would be sent` };
  fs.mkdirSync(outDir, { recursive: true });
  const base = path.join(outDir, `digest-${subscriber.id}`);
  fs.writeFileSync(`${base}.html`, preview.mail.html);
  fs.writeFileSync(`${base}.txt`, preview.mail.text);
  return {
    files: [`${base}.html`, `${base}.txt`],
    subject: preview.mail.subject,
    posts: preview.posts.length,
    status: subscriber.paused ? 'paused' : subscriber.status,
  };
}
