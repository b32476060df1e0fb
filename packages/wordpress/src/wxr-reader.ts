import fs from 'node:fs';
import { type SaxesTagNS, SaxesParser } from 'saxes';

/**
 * Reads a WordPress export (WXR: RSS 2.0 plus the `wp:` elements of Tools → Export) as a stream:
 * the file is read in chunks and only the item being read is held in memory, so an export of
 * hundreds of megabytes is read in bounded memory. saxes is strict (a malformed file is an error,
 * not a guess) and namespace-aware (WXR 1.1 and 1.2 differ only in the `wp:` namespace URI).
 *
 * A DOCTYPE is refused outright: WordPress never writes one, and its entity declarations are how
 * XML bombs (billion laughs) and external-entity reads (XXE) are made. saxes would not expand them
 * anyway; refusing is clearer than failing on the first undefined entity.
 */

export const SUPPORTED_WXR_VERSIONS = ['1.1', '1.2'] as const;

const WP_NAMESPACE = /^https?:\/\/wordpress\.org\/export\/(\d+\.\d+)\/$/;
const EXCERPT_NAMESPACE = /^https?:\/\/wordpress\.org\/export\/\d+\.\d+\/excerpt\/$/;
const CONTENT_NAMESPACE = 'http://purl.org/rss/1.0/modules/content/';
const DC_NAMESPACE = 'http://purl.org/dc/elements/1.1/';

/** Text kept per element at most; a post body beyond it is reported as oversized, not held whole. */
export const MAX_ELEMENT_CHARS = 4 * 1024 * 1024;

export type WxrErrorCode = 'NOT_XML' | 'DOCTYPE_REFUSED' | 'NOT_WXR' | 'UNSUPPORTED_VERSION' | 'UNREADABLE';

/** The file cannot be imported at all. Nothing is written when this is thrown during the check pass. */
export class WxrError extends Error {
  constructor(
    readonly code: WxrErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'WxrError';
  }
}

export interface WxrAuthor {
  login: string;
  email: string;
  displayName: string;
  firstName: string;
  lastName: string;
  /** Not written by WordPress itself; some export plugins add `wp:author_description`. */
  description: string;
}

export interface WxrTerm {
  domain: string;
  nicename: string;
  name: string;
}

/** A `<wp:comment>` of an item, as the export writes it (every field a string, trimmed but for the content). */
export interface WxrComment {
  id: string;
  author: string;
  authorEmail: string;
  authorUrl: string;
  date: string;
  dateGmt: string;
  content: string;
  /** `1` approved, `0` pending, `spam`, `trash`, `post-trashed`. */
  approved: string;
  /** Empty or `comment` for a comment; `pingback`, `trackback`, … otherwise. */
  type: string;
  /** `0` for a comment on the post, else the `wp:comment_id` it replies to. */
  parent: string;
  /** True when the content was longer than MAX_ELEMENT_CHARS (the text kept is cut). */
  oversized: boolean;
}

export interface WxrItem {
  title: string;
  link: string;
  creator: string;
  guid: string;
  content: string;
  excerpt: string;
  /** True when the body or excerpt was longer than MAX_ELEMENT_CHARS (the text kept is cut). */
  oversized: boolean;
  postId: string;
  postDate: string;
  postDateGmt: string;
  postModifiedGmt: string;
  postName: string;
  status: string;
  postType: string;
  attachmentUrl: string;
  terms: WxrTerm[];
  meta: Record<string, string>;
  /** Its comments in file order; empty when its body was skipped (see ReadWxrOptions). */
  comments: WxrComment[];
}

export interface WxrChannel {
  version: string;
  title: string;
  link: string;
  baseSiteUrl: string;
  baseBlogUrl: string;
  authors: WxrAuthor[];
}

export type WxrEvent = { type: 'channel'; channel: WxrChannel } | { type: 'item'; item: WxrItem };

export interface ReadWxrOptions {
  /** Skip post bodies and excerpts (the check pass needs only ids, types and attachment URLs). */
  skipBodies?: boolean;
  /**
   * Skip the body of the item with this ordinal (0-based, in file order). The import's second pass
   * skips the bodies of items the first found not to be posts (revisions are often most of a file).
   */
  skipBodyOf?: (ordinal: number) => boolean;
  /** Told the bytes read so far after each chunk. */
  onBytes?: (bytesRead: number) => void;
  highWaterMark?: number;
}

/**
 * The channel (once, before the first item, with the authors listed before it) and then each item,
 * in file order. Throws WxrError on anything that is not a WXR 1.1/1.2 file.
 */
export async function* readWxr(file: string, options: ReadWxrOptions = {}): AsyncGenerator<WxrEvent> {
  const builder = new WxrBuilder(options.skipBodies ?? false, options.skipBodyOf);
  let stream: fs.ReadStream;
  try {
    stream = fs.createReadStream(file, { encoding: 'utf8', highWaterMark: options.highWaterMark ?? 256 * 1024 });
  } catch (error) {
    throw new WxrError('UNREADABLE', `cannot read ${file}: ${(error as Error).message}`);
  }
  let bytesRead = 0;
  try {
    for await (const chunk of stream as AsyncIterable<string>) {
      builder.write(chunk);
      bytesRead = stream.bytesRead;
      options.onBytes?.(bytesRead);
      yield* builder.drain();
    }
  } catch (error) {
    stream.destroy();
    if (error instanceof WxrError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR') {
      throw new WxrError('UNREADABLE', `cannot read ${file}: ${(error as Error).message}`);
    }
    throw error;
  }
  builder.finish();
  yield* builder.drain();
  builder.assertComplete();
}

type Where = 'outside' | 'channel' | 'author' | 'item' | 'postmeta' | 'comment' | 'commentmeta' | 'skipped-comment';

/** Turns saxes events into channel and item records. */
class WxrBuilder {
  readonly parser = new SaxesParser({ xmlns: true });
  private failure: WxrError | undefined;
  private ready: WxrEvent[] = [];
  private depth = 0;
  private rootSeen = false;
  private version: string | undefined;
  private channel: WxrChannel = { version: '', title: '', link: '', baseSiteUrl: '', baseBlogUrl: '', authors: [] };
  private channelSent = false;
  private where: Where = 'outside';
  private author: WxrAuthor | undefined;
  private item: WxrItem | undefined;
  private comment: WxrComment | undefined;
  private metaKey = '';
  private metaValue = '';
  private term: { domain: string; nicename: string } | undefined;
  private text = '';
  private collecting = false;
  private overflow = false;

  private ordinal = -1;
  private skipThisBody = false;

  constructor(
    private readonly skipBodies: boolean,
    private readonly skipBodyOf: ((ordinal: number) => boolean) | undefined,
  ) {
    const p = this.parser;
    // No 'error' handler: saxes then throws from write(), which `write` below turns into a WxrError.
    // (Measured: merely registering an error handler made saxes about 15 times slower here.)
    // Only a flag here; the error is made in write(). (Measured: building errors inside saxes
    // handlers made saxes several times slower on every file, DOCTYPE or not.)
    p.on('doctype', () => (this.doctypeSeen = true));
    p.on('xmldecl', (decl) => {
      if (decl.encoding && !/^utf-?8$/i.test(decl.encoding)) {
        this.fail(new WxrError('NOT_WXR', `the file is encoded as ${decl.encoding}; WordPress exports are UTF-8`));
      }
    });
    p.on('opentag', (tag) => this.open(tag));
    p.on('closetag', (tag) => this.close(tag));
    p.on('text', (text) => this.append(text));
    p.on('cdata', (text) => this.append(text));
  }

  write(chunk: string): void {
    try {
      this.parser.write(chunk);
    } catch (error) {
      this.fail(new WxrError('NOT_XML', `not well-formed XML: ${(error as Error).message}`));
    }
    this.throwIfFailed();
  }

  private doctypeSeen = false;

  finish(): void {
    try {
      this.parser.close();
    } catch (error) {
      this.fail(new WxrError('NOT_XML', `not well-formed XML: ${(error as Error).message}`));
    }
    this.throwIfFailed();
  }

  throwIfFailed(): void {
    if (this.doctypeSeen) {
      throw new WxrError(
        'DOCTYPE_REFUSED',
        'the file declares a DOCTYPE; WordPress exports never do, and DOCTYPE entity declarations are how XML bombs and external-entity reads are built, so the file is refused',
      );
    }
    if (this.failure) throw this.failure;
  }

  *drain(): Generator<WxrEvent> {
    const events = this.ready;
    this.ready = [];
    yield* events;
  }

  assertComplete(): void {
    if (!this.rootSeen) throw new WxrError('NOT_XML', 'the file is empty or holds no XML element');
    if (!this.version) throw this.notWxr('it has no WordPress export namespace and no <wp:wxr_version>');
    if (!this.channelSent) this.flushChannel();
  }

  private fail(error: WxrError): void {
    // The first error is the one that explains; saxes goes on reporting after it.
    this.failure ??= error;
  }

  private notWxr(why: string): WxrError {
    return new WxrError(
      'NOT_WXR',
      `not a WordPress export (WXR): ${why}. Export it again with Tools → Export in WordPress`,
    );
  }

  private open(tag: SaxesTagNS): void {
    this.depth++;
    if (this.failure) return;
    const ns = tag.uri;
    const name = tag.local;
    if (this.depth === 1) {
      this.rootSeen = true;
      if (name !== 'rss' || ns !== '') {
        this.fail(this.notWxr(`its root element is <${tag.name}>, not <rss>`));
        return;
      }
      const wp = Object.values(tag.ns).find((uri) => WP_NAMESPACE.test(uri));
      if (!wp) {
        this.fail(this.notWxr('the <rss> element declares no WordPress export namespace (xmlns:wp)'));
        return;
      }
      this.version = WP_NAMESPACE.exec(wp)![1]!;
      this.checkVersion(this.version);
      return;
    }
    const isWp = WP_NAMESPACE.test(ns);
    if (this.where === 'outside' && name === 'channel' && ns === '' && this.depth === 2) {
      this.where = 'channel';
      return;
    }
    if (this.where === 'channel' && this.depth === 3) {
      if (name === 'item' && ns === '') {
        this.flushChannel();
        this.where = 'item';
        this.item = emptyItem();
        this.ordinal++;
        this.skipThisBody = this.skipBodies || (this.skipBodyOf?.(this.ordinal) ?? false);
        return;
      }
      if (isWp && name === 'author') {
        this.where = 'author';
        this.author = { login: '', email: '', displayName: '', firstName: '', lastName: '', description: '' };
        return;
      }
      this.startText();
      return;
    }
    if (this.where === 'author' && this.depth === 4) {
      this.startText();
      return;
    }
    if (this.where === 'item' && this.depth === 4) {
      if (isWp && name === 'postmeta') {
        this.where = 'postmeta';
        this.metaKey = '';
        this.metaValue = '';
        return;
      }
      if (name === 'category' && ns === '') {
        this.term = { domain: attr(tag, 'domain'), nicename: attr(tag, 'nicename') };
      }
      if (isWp && name === 'comment') {
        // The comments of an item whose body is skipped (not a post) are not kept either.
        if (this.skipThisBody) {
          this.where = 'skipped-comment';
          return;
        }
        this.where = 'comment';
        this.comment = emptyComment();
        return;
      }
      const isBody = name === 'encoded' && (ns === CONTENT_NAMESPACE || EXCERPT_NAMESPACE.test(ns));
      if (isBody && this.skipThisBody) return;
      this.startText();
      return;
    }
    if (this.where === 'postmeta' && this.depth === 5) this.startText();
    if (this.where === 'comment' && this.depth === 5) {
      // WordPress 4.x+ writes <wp:commentmeta> (akismet history, …) inside a comment: not kept.
      if (isWp && name === 'commentmeta') this.where = 'commentmeta';
      else this.startText();
    }
  }

  private close(tag: SaxesTagNS): void {
    const depth = this.depth--;
    if (this.failure) return;
    const ns = tag.uri;
    const name = tag.local;
    const text = this.collecting ? this.text : '';
    const overflow = this.overflow;
    this.collecting = false;
    this.text = '';
    this.overflow = false;
    const isWp = WP_NAMESPACE.test(ns);

    if (this.where === 'channel' && depth === 3) {
      if (ns === '' && name === 'title') this.channel.title = text.trim();
      else if (ns === '' && name === 'link') this.channel.link = text.trim();
      else if (isWp && name === 'base_site_url') this.channel.baseSiteUrl = text.trim();
      else if (isWp && name === 'base_blog_url') this.channel.baseBlogUrl = text.trim();
      else if (isWp && name === 'wxr_version') this.checkVersion(text.trim());
      return;
    }
    if (this.where === 'channel' && depth === 2) {
      this.flushChannel();
      this.where = 'outside';
      return;
    }
    if (this.where === 'author') {
      const author = this.author!;
      if (depth === 3) {
        if (author.login) this.channel.authors.push(author);
        this.author = undefined;
        this.where = 'channel';
        return;
      }
      if (!isWp) return;
      const value = text.trim();
      if (name === 'author_login') author.login = value;
      else if (name === 'author_email') author.email = value;
      else if (name === 'author_display_name') author.displayName = value;
      else if (name === 'author_first_name') author.firstName = value;
      else if (name === 'author_last_name') author.lastName = value;
      else if (name === 'author_description') author.description = value;
      return;
    }
    if (this.where === 'skipped-comment') {
      if (depth === 4) this.where = 'item';
      return;
    }
    if (this.where === 'commentmeta') {
      if (depth === 5) this.where = 'comment';
      return;
    }
    if (this.where === 'comment') {
      const comment = this.comment!;
      if (depth === 4) {
        this.item!.comments.push(comment);
        this.comment = undefined;
        this.where = 'item';
        return;
      }
      if (depth !== 5 || !isWp) return;
      if (name === 'comment_content') {
        comment.content = text;
        if (overflow) comment.oversized = true;
        return;
      }
      const value = text.trim();
      if (name === 'comment_id') comment.id = value;
      else if (name === 'comment_author') comment.author = value;
      else if (name === 'comment_author_email') comment.authorEmail = value;
      else if (name === 'comment_author_url') comment.authorUrl = value;
      else if (name === 'comment_date') comment.date = value;
      else if (name === 'comment_date_gmt') comment.dateGmt = value;
      else if (name === 'comment_approved') comment.approved = value;
      else if (name === 'comment_type') comment.type = value;
      else if (name === 'comment_parent') comment.parent = value;
      return;
    }
    if (this.where === 'postmeta') {
      if (depth === 4) {
        if (this.metaKey) this.item!.meta[this.metaKey] = this.metaValue;
        this.where = 'item';
      } else if (isWp && name === 'meta_key') this.metaKey = text.trim();
      else if (isWp && name === 'meta_value') this.metaValue = text;
      return;
    }
    if (this.where === 'item') {
      const item = this.item!;
      if (depth === 3) {
        this.ready.push({ type: 'item', item });
        this.item = undefined;
        this.where = 'channel';
        return;
      }
      if (depth !== 4) return;
      if (overflow) item.oversized = true;
      if (ns === '') {
        if (name === 'title') item.title = text;
        else if (name === 'link') item.link = text.trim();
        else if (name === 'guid') item.guid = text.trim();
        else if (name === 'category' && this.term) {
          item.terms.push({ ...this.term, name: text.trim() });
          this.term = undefined;
        }
        return;
      }
      if (ns === CONTENT_NAMESPACE && name === 'encoded') item.content = text;
      else if (EXCERPT_NAMESPACE.test(ns) && name === 'encoded') item.excerpt = text;
      else if (ns === DC_NAMESPACE && name === 'creator') item.creator = text.trim();
      else if (isWp) {
        const value = text.trim();
        if (name === 'post_id') item.postId = value;
        else if (name === 'post_date') item.postDate = value;
        else if (name === 'post_date_gmt') item.postDateGmt = value;
        else if (name === 'post_modified_gmt') item.postModifiedGmt = value;
        else if (name === 'post_name') item.postName = value;
        else if (name === 'status') item.status = value;
        else if (name === 'post_type') item.postType = value;
        else if (name === 'attachment_url') item.attachmentUrl = value;
      }
    }
  }

  private checkVersion(version: string): void {
    if (!(SUPPORTED_WXR_VERSIONS as readonly string[]).includes(version)) {
      this.fail(
        new WxrError(
          'UNSUPPORTED_VERSION',
          `unsupported WXR version ${version}; this importer reads WXR ${SUPPORTED_WXR_VERSIONS.join(' and ')} (WordPress 3.1 and later)`,
        ),
      );
    }
  }

  private flushChannel(): void {
    if (this.channelSent) return;
    this.channelSent = true;
    this.ready.push({ type: 'channel', channel: { ...this.channel, version: this.version ?? '' } });
  }

  private startText(): void {
    this.collecting = true;
    this.text = '';
    this.overflow = false;
  }

  private append(text: string): void {
    if (!this.collecting) return;
    if (this.text.length + text.length > MAX_ELEMENT_CHARS) {
      this.overflow = true;
      this.text += text.slice(0, Math.max(0, MAX_ELEMENT_CHARS - this.text.length));
      return;
    }
    this.text += text;
  }
}

function attr(tag: SaxesTagNS, name: string): string {
  const found = tag.attributes[name];
  return found ? found.value : '';
}

function emptyItem(): WxrItem {
  return {
    title: '',
    link: '',
    creator: '',
    guid: '',
    content: '',
    excerpt: '',
    oversized: false,
    postId: '',
    postDate: '',
    postDateGmt: '',
    postModifiedGmt: '',
    postName: '',
    status: '',
    postType: '',
    attachmentUrl: '',
    terms: [],
    meta: {},
    comments: [],
  };
}

function emptyComment(): WxrComment {
  return {
    id: '',
    author: '',
    authorEmail: '',
    authorUrl: '',
    date: '',
    dateGmt: '',
    content: '',
    approved: '',
    type: '',
    parent: '0',
    oversized: false,
  };
}
