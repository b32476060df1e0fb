import fs from 'node:fs';
import path from 'node:path';
import type { PostsDeps } from '@careerfeed/posts';
import {
  type WordPressImportProgress,
  type WordPressImportSummary,
  importWordPressExport,
  redirectsCsv,
  redirectsNginxMap,
} from '@careerfeed/wordpress';

export interface WordPressImportResult {
  summary: WordPressImportSummary;
  csvFile: string;
  nginxFile: string;
}

/** Progress is shown only once an import has run this long (short files print just the summary). */
const QUIET_MS = 2000;
const PROGRESS_EVERY_MS = 1000;

/**
 * `import wordpress FILE`: the import, then the redirect map next to `outDir`. Progress lines go to
 * `progress` (stderr), at most once a second, from the third second on.
 */
export async function importWordPressFile(
  deps: PostsDeps,
  file: string,
  outDir: string,
  progress: (line: string) => void,
  clock: () => number = Date.now,
): Promise<WordPressImportResult> {
  const started = clock();
  let lastShown = 0;
  const onProgress = (p: WordPressImportProgress) => {
    const now = clock();
    if (now - started < QUIET_MS || now - lastShown < PROGRESS_EVERY_MS) return;
    lastShown = now;
    const percent = Math.floor((100 * p.bytesRead) / Math.max(1, p.totalBytes));
    progress(
      `  ${p.phase} ${percent}% (${mib(p.bytesRead)} of ${mib(p.totalBytes)} MiB, ${p.items} items, ${((now - started) / 1000).toFixed(0)} s)`,
    );
  };
  const summary = await importWordPressExport(deps, file, { onProgress });
  fs.mkdirSync(outDir, { recursive: true });
  const csvFile = path.join(outDir, 'wordpress-redirects.csv');
  const nginxFile = path.join(outDir, 'wordpress-redirects.nginx.conf');
  fs.writeFileSync(csvFile, redirectsCsv(summary.redirects));
  fs.writeFileSync(nginxFile, redirectsNginxMap(summary.redirects));
  return { summary, csvFile, nginxFile };
}

/** The summary as the CLI prints it. */
export function describeWordPressImport(result: WordPressImportResult): string[] {
  const { summary } = result;
  const skipped = summary.skipped.reduce((n, s) => n + s.count, 0);
  const lines = [
    `${summary.site} (WXR ${summary.version}): ${summary.imported} imported, ${summary.updated} updated, ${summary.unchanged} unchanged, ${skipped} skipped; ${summary.authors} author(s)`,
  ];
  for (const { reason, count } of summary.skipped) lines.push(`  skipped ${count}: ${reason}`);
  for (const failure of summary.failed) {
    lines.push(
      `  post ${failure.postId} "${failure.title}": ${failure.reason}${failure.detail ? ` (${failure.detail})` : ''}`,
    );
  }
  const { comments } = summary;
  const commentsSkipped = comments.skipped.reduce((n, s) => n + s.count, 0);
  const reasons = comments.skipped.map((s) => `${s.count} ${s.reason}`).join(', ');
  lines.push(
    `comments: ${comments.imported} imported, ${comments.unchanged} already imported, ${commentsSkipped} skipped${reasons ? ` (${reasons})` : ''}`,
  );
  for (const failure of comments.failed) {
    lines.push(
      `  comment ${failure.commentId} on post ${failure.postId}: ${failure.reason}${failure.detail ? ` (${failure.detail})` : ''}`,
    );
  }
  lines.push(`redirect map (${summary.redirects.length} permalinks): ${result.csvFile}, ${result.nginxFile}`);
  return lines;
}

function mib(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1);
}
