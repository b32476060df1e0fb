import fs from 'node:fs';

/**
 * Writes a synthetic WordPress export (WXR 1.2, in the layout WordPress 6.x writes) of `posts`
 * published posts, each with a featured image attachment, written as a stream so a file of
 * hundreds of megabytes never exists in memory. `bodyBytes` sets the size of each post body;
 * `revisionBytes`, when set, adds a revision of that size after each post (read, then skipped: a
 * large file whose import is bound by reading, not by writing posts). `commentsPerPost` adds that
 * many approved comments to each post, every second one a reply to the one before it.
 */
export async function writeSyntheticWxr(
  file: string,
  options: { posts: number; bodyBytes?: number; site?: string; revisionBytes?: number; commentsPerPost?: number },
): Promise<void> {
  const site = options.site ?? 'https://blog.example.edu';
  const out = fs.createWriteStream(file);
  const write = (chunk: string) =>
    out.write(chunk) ? Promise.resolve() : new Promise<void>((resolve) => out.once('drain', () => resolve()));
  await write(`<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0"
	xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
	xmlns:content="http://purl.org/rss/1.0/modules/content/"
	xmlns:wfw="http://wellformedweb.org/CommentAPI/"
	xmlns:dc="http://purl.org/dc/elements/1.1/"
	xmlns:wp="http://wordpress.org/export/1.2/"
>
<channel>
	<title>Synthetic Career Blog</title>
	<link>${site}</link>
	<wp:wxr_version>1.2</wp:wxr_version>
	<wp:base_site_url>${site}</wp:base_site_url>
	<wp:base_blog_url>${site}</wp:base_blog_url>
	<wp:author><wp:author_id>1</wp:author_id><wp:author_login><![CDATA[editor]]></wp:author_login><wp:author_email><![CDATA[editor@example.edu]]></wp:author_email><wp:author_display_name><![CDATA[The Editor]]></wp:author_display_name><wp:author_first_name><![CDATA[]]></wp:author_first_name><wp:author_last_name><![CDATA[]]></wp:author_last_name></wp:author>
`);
  const paragraph =
    '<!-- wp:paragraph -->\n<p>Career advice for students and alumni: résumés, interviews, internships and networking, with examples from employers who recruit on campus.</p>\n<!-- /wp:paragraph -->\n\n';
  const body = paragraph.repeat(Math.max(1, Math.ceil((options.bodyBytes ?? 2000) / paragraph.length)));
  const revisionBody = options.revisionBytes ? 'r'.repeat(options.revisionBytes) : '';
  for (let i = 1; i <= options.posts; i++) {
    const id = i * 2;
    const day = String((i % 28) + 1).padStart(2, '0');
    const month = String((i % 12) + 1).padStart(2, '0');
    const date = `2025-${month}-${day} 10:00:00`;
    await write(`	<item>
		<title><![CDATA[Synthetic post ${i}]]></title>
		<link>${site}/2025/${month}/${day}/synthetic-post-${i}/</link>
		<dc:creator><![CDATA[editor]]></dc:creator>
		<guid isPermaLink="false">${site}/?p=${id}</guid>
		<description></description>
		<content:encoded><![CDATA[${body}<p>Post number ${i}.</p>]]></content:encoded>
		<excerpt:encoded><![CDATA[]]></excerpt:encoded>
		<wp:post_id>${id}</wp:post_id>
		<wp:post_date><![CDATA[${date}]]></wp:post_date>
		<wp:post_date_gmt><![CDATA[${date}]]></wp:post_date_gmt>
		<wp:post_modified_gmt><![CDATA[${date}]]></wp:post_modified_gmt>
		<wp:post_name><![CDATA[synthetic-post-${i}]]></wp:post_name>
		<wp:status><![CDATA[publish]]></wp:status>
		<wp:post_type><![CDATA[post]]></wp:post_type>
		<category domain="category" nicename="advice"><![CDATA[Advice]]></category>
		<category domain="post_tag" nicename="tag-${i % 50}"><![CDATA[Tag ${i % 50}]]></category>
		<wp:postmeta>
		<wp:meta_key><![CDATA[_thumbnail_id]]></wp:meta_key>
		<wp:meta_value><![CDATA[${id + 1}]]></wp:meta_value>
		</wp:postmeta>
${syntheticComments(i, options.commentsPerPost ?? 0, date)}	</item>
	<item>
		<title><![CDATA[image-${i}]]></title>
		<wp:post_id>${id + 1}</wp:post_id>
		<wp:post_type><![CDATA[attachment]]></wp:post_type>
		<wp:status><![CDATA[inherit]]></wp:status>
		<wp:attachment_url><![CDATA[${site}/wp-content/uploads/2025/${month}/image-${i}.jpg]]></wp:attachment_url>
	</item>
`);
    if (revisionBody) {
      await write(`	<item>
		<title><![CDATA[Synthetic post ${i}]]></title>
		<content:encoded><![CDATA[${revisionBody}]]></content:encoded>
		<wp:post_id>${options.posts * 2 + i + 10}</wp:post_id>
		<wp:post_type><![CDATA[revision]]></wp:post_type>
		<wp:status><![CDATA[inherit]]></wp:status>
	</item>
`);
    }
  }
  await write('</channel>\n</rss>\n');
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
}

function syntheticComments(post: number, count: number, date: string): string {
  let xml = '';
  for (let c = 1; c <= count; c++) {
    const id = post * 100 + c;
    const parent = c % 2 === 0 ? id - 1 : 0;
    xml += `		<wp:comment>
			<wp:comment_id>${id}</wp:comment_id>
			<wp:comment_author><![CDATA[Reader ${c}]]></wp:comment_author>
			<wp:comment_author_email><![CDATA[reader${c}@example.edu]]></wp:comment_author_email>
			<wp:comment_author_url></wp:comment_author_url>
			<wp:comment_author_IP><![CDATA[203.0.113.${c % 250}]]></wp:comment_author_IP>
			<wp:comment_date><![CDATA[${date}]]></wp:comment_date>
			<wp:comment_date_gmt><![CDATA[${date}]]></wp:comment_date_gmt>
			<wp:comment_content><![CDATA[Thanks for post ${post}: the <a href="https://example.edu/">interview tips</a> helped.
See you at the fair.]]></wp:comment_content>
			<wp:comment_approved><![CDATA[1]]></wp:comment_approved>
			<wp:comment_type><![CDATA[comment]]></wp:comment_type>
			<wp:comment_parent>${parent}</wp:comment_parent>
			<wp:comment_user_id>0</wp:comment_user_id>
		</wp:comment>
`;
  }
  return xml;
}
