import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '@careerfeed/core';

/** Largest featured image accepted: a phone photo fits, a raw camera file does not. */
export const MAX_IMAGE_BYTES = 10 * 1024 * 1024;

export type ImageType = 'png' | 'jpeg' | 'webp' | 'gif';

export const IMAGE_CONTENT_TYPES: Readonly<Record<ImageType, string>> = {
  png: 'image/png',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  gif: 'image/gif',
};

/**
 * The image type by its first bytes (the name and the browser's Content-Type are the uploader's
 * word only). Four signatures, so written here rather than taken from a detection library that
 * knows hundreds of formats (and ships as an ES module only). SVG is never an image here: it is a
 * document that can carry script.
 */
export function detectImageType(bytes: Buffer): ImageType | undefined {
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])))
    return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (bytes.length >= 12 && bytes.toString('latin1', 0, 4) === 'RIFF' && bytes.toString('latin1', 8, 12) === 'WEBP')
    return 'webp';
  if (bytes.length >= 6 && /^GIF8[79]a$/.test(bytes.toString('latin1', 0, 6))) return 'gif';
  return undefined;
}

function looksLikeSvg(bytes: Buffer): boolean {
  const head = bytes
    .toString('utf8', 0, Math.min(bytes.length, 1024))
    .replace(/^\uFEFF/, '')
    .trimStart()
    .toLowerCase();
  return head.startsWith('<svg') || (head.startsWith('<?xml') && head.includes('<svg')) || head.includes('<svg');
}

export class ImageRejectedError extends AppError {
  constructor(detail: string, status = 422) {
    super({ code: 'VALIDATION_FAILED', status, detail, errors: [{ path: 'image', message: detail }] });
  }
}

/** Refuses what is not a PNG, JPEG, WebP or GIF of at most 10 MB, with a message for people. */
export function checkImage(bytes: Buffer): ImageType {
  if (bytes.length === 0) throw new ImageRejectedError('The image file is empty.');
  if (bytes.length > MAX_IMAGE_BYTES) {
    throw new ImageRejectedError(
      `The image is ${(bytes.length / 1024 / 1024).toFixed(1)} MB; the limit is 10 MB. Export it smaller (1600 px wide is plenty) and try again.`,
      413,
    );
  }
  const type = detectImageType(bytes);
  if (type) return type;
  if (looksLikeSvg(bytes)) {
    throw new ImageRejectedError(
      'SVG images are not accepted (they can carry scripts). Upload a PNG, JPEG, WebP or GIF.',
    );
  }
  throw new ImageRejectedError('This file is not a PNG, JPEG, WebP or GIF image.');
}

/** `<sha256>.<ext>`: the name is the content, so a file never changes and caches keep it forever. */
export const MEDIA_FILE_NAME = /^[0-9a-f]{32}\.(png|jpeg|webp|gif)$/;

/**
 * Stores an uploaded image under DATA_DIR/media, named after its content (the same image uploaded
 * twice is one file), and returns its public URL on the feed service (`/media/<file>`).
 */
export async function storeImage(
  mediaDir: string,
  publicBaseUrl: string,
  bytes: Buffer,
): Promise<{ file: string; url: string; type: ImageType }> {
  const type = checkImage(bytes);
  const file = `${createHash('sha256').update(bytes).digest('hex').slice(0, 32)}.${type}`;
  await fs.mkdir(mediaDir, { recursive: true });
  const target = path.join(mediaDir, file);
  const temp = `${target}.${process.pid}.${Date.now()}.tmp`;
  await fs.writeFile(temp, bytes);
  await fs.rename(temp, target);
  return { file, url: `${publicBaseUrl}/media/${file}`, type };
}
