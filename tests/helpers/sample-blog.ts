import fs from 'node:fs';
import { FIXTURE } from './processes';

/** The labelled sample corpus (`fixtures/sample-blog.json`), as the worker tests import it. */
export interface SampleBlog {
  authors: { slug: string; name: string }[];
  posts: {
    slug: string;
    title: string;
    html: string;
    author: string;
    tags: string[];
    category: string;
    published_at: string;
  }[];
}

export function readSampleBlog(): SampleBlog {
  return JSON.parse(fs.readFileSync(FIXTURE, 'utf8')) as SampleBlog;
}
