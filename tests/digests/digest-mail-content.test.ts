import { type PostsDeps, saveSite } from '@careerfeed/posts';
import type { ParsedMail } from 'mailparser';
import { Parser } from 'htmlparser2';
import { DIALECTS, type TestDatabase, createTestDatabase } from '../helpers/databases';
import { PUBLIC_BASE_URL } from '../helpers/ingest';
import { type Engine, startEngine } from './engine';
import { type SmtpSink, insertDueDailySubscriber, publishPost, startSmtpSink } from './support';

interface Element {
  name: string;
  attribs: Record<string, string>;
  text: string;
}

/** Every element of the mail's HTML with its text, as a mail client's parser sees them. */
function elementsOf(html: string): Element[] {
  const elements: Element[] = [];
  const open: Element[] = [];
  const parser = new Parser(
    {
      onopentag(name, attribs) {
        const element = { name, attribs, text: '' };
        elements.push(element);
        open.push(element);
      },
      ontext(data) {
        for (const element of open) element.text += data;
      },
      onclosetag() {
        open.pop();
      },
    },
    { decodeEntities: true },
  );
  parser.end(html);
  return elements;
}

const SITE = {
  title: 'Career Center',
  logoUrl: 'https://careers.test.example/logo.png',
  brandColor: '#123456',
  accentColor: '#0a4d8c',
  postalAddress: 'Career Center, 1 University Way\nSpringfield, IL 62701',
};

describe.each(DIALECTS)('what a digest shows (%s)', (dialect) => {
  let database: TestDatabase;
  let sink: SmtpSink | undefined;
  let engine: Engine | undefined;
  const clock = new Date('2026-11-25T08:00:30Z');
  const now = () => clock;
  let posts: PostsDeps;

  beforeEach(async () => {
    database = await createTestDatabase(dialect);
    posts = { db: database.db, publicBaseUrl: PUBLIC_BASE_URL, now };
  });
  afterEach(async () => {
    await engine?.close();
    await sink?.close();
    engine = undefined;
    sink = undefined;
    await database.drop();
  });

  async function relate(postId: string, relatedIds: string[]): Promise<void> {
    await database.db.kysely
      .insertInto('related_posts')
      .values(relatedIds.map((related_id, rank) => ({ post_id: postId, related_id, rank, score: 1 - rank / 10 })))
      .execute();
  }

  async function sendDailyDigest(): Promise<ParsedMail> {
    await insertDueDailySubscriber(database.db);
    sink = await startSmtpSink();
    engine = await startEngine(database.db, { smtpUrl: sink.url, now });
    expect(await engine.tick()).toEqual({ enqueued: 1 });
    engine.startWorker();
    await engine.idle();
    const [mail, ...more] = await sink.parsed();
    expect(more).toHaveLength(0);
    return mail!;
  }

  test('when a digest goes out, then each item shows its date, topics and image, related posts make ONE "More like this" block, and the site brand and postal address frame the mail', async () => {
    await saveSite(database.db.kysely, SITE, clock.toISOString());
    const older = await publishPost(posts, '2026-10-01T12:00:00Z', { title: 'Cover letters that work' });
    const oldest = await publishPost(posts, '2026-09-01T12:00:00Z', { title: 'Salary negotiation basics' });
    const withImage = await publishPost(posts, '2026-11-24T12:00:00Z', {
      title: 'Resume clinic on Friday',
      tags: ['Resumes', 'Workshops'],
      category: 'events',
      image: 'https://images.test.example/clinic.png',
    });
    const plain = await publishPost(posts, '2026-11-25T07:00:00Z', {
      title: 'Interview day',
      tags: ['Interviews'],
      category: 'interviews',
    });
    // Both digest posts are related to the two older ones and to each other.
    await relate(withImage.id, [plain.id, older.id, oldest.id]);
    await relate(plain.id, [older.id, withImage.id]);

    const mail = await sendDailyDigest();
    const html = String(mail.html);
    const text = String(mail.text);
    const elements = elementsOf(html);
    const textOf = (element: Element) => element.text.replace(/\s+/g, ' ').trim();

    // Date and topics under each title, in both parts.
    const metas = elements.filter((e) => e.name === 'p' && /· by Maya Okafor/.test(e.text)).map(textOf);
    expect(metas).toEqual([
      'November 25, 2026 · by Maya Okafor · interviews, Interviews',
      'November 24, 2026 · by Maya Okafor · events, Resumes, Workshops',
    ]);
    for (const meta of metas) expect(text).toContain(meta);
    // The image of the post that has one, and no other post image.
    const images = elements.filter((e) => e.name === 'img').map((e) => e.attribs.src);
    expect(images).toEqual([SITE.logoUrl, 'https://images.test.example/clinic.png']);

    // Exactly one "More like this" block, holding the related posts not already in the digest.
    const headings = elements.filter((e) => e.name === 'h2').map(textOf);
    expect(headings).toEqual(['Interview day', 'Resume clinic on Friday', 'More like this']);
    expect(html.match(/More like this/g)).toHaveLength(1);
    expect(text.match(/More like this/g)).toHaveLength(1);
    expect(html).not.toContain('Related posts');
    // The mail's only list items are the block's: the two older posts, in rank order.
    expect(elements.filter((e) => e.name === 'li').map(textOf)).toEqual([
      'Cover letters that work',
      'Salary negotiation basics',
    ]);
    expect(html).toContain(`href="${PUBLIC_BASE_URL}/posts/${older.slug}"`);
    expect(html.split(`${PUBLIC_BASE_URL}/posts/${older.slug}`)).toHaveLength(2);

    // Brand: the header band, the accent on links, the postal address in both footers, lang and dir.
    expect(html).toMatch(/<html lang="en" dir="ltr"/);
    expect(html.toLowerCase()).toContain('background:#123456');
    expect(html).toContain('color:#0a4d8c');
    // The address's two lines, kept apart by a <br>.
    expect(html).toContain('Career Center, 1 University Way<br>Springfield, IL 62701');
    expect(text.trimEnd().endsWith('Career Center, 1 University Way\nSpringfield, IL 62701')).toBe(true);
  });

  test('when the site language is written right to left, then the digest says dir="rtl"', async () => {
    await saveSite(database.db.kysely, { ...SITE, language: 'he' }, clock.toISOString());
    await publishPost(posts, '2026-11-24T12:00:00Z', { title: 'מדריך קורות חיים' });
    const mail = await sendDailyDigest();
    expect(String(mail.html)).toMatch(/<html lang="he" dir="rtl"/);
  });
});
