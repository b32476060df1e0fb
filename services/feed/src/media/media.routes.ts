import path from 'node:path';
import express from 'express';
import { IMAGE_CONTENT_TYPES, type ImageType, MEDIA_FILE_NAME } from '@careerfeed/posts';

/**
 * Uploaded featured images (DATA_DIR/media, written by the console): named after their content, so
 * they never change — a year of caching, `immutable`, and an ETag for revalidation. Nothing else
 * in the folder is reachable: only names of the stored shape are served.
 */
export function mediaRouter(mediaDir: string): express.Router {
  const router = express.Router();
  router.get('/media/:file', (req, res, next) => {
    const file = req.params.file;
    if (!MEDIA_FILE_NAME.test(file)) {
      next();
      return;
    }
    const type = file.slice(file.lastIndexOf('.') + 1) as ImageType;
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
    res.sendFile(
      path.join(mediaDir, file),
      {
        maxAge: 365 * 24 * 3_600_000,
        immutable: true,
        etag: true,
        lastModified: false,
        dotfiles: 'deny',
        headers: { 'Content-Type': IMAGE_CONTENT_TYPES[type] },
      },
      (error) => {
        if (error && !res.headersSent) next();
      },
    );
  });
  return router;
}
