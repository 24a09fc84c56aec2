/**
 * Image re-encoding with sharp: auto-orient, ALL metadata dropped (sharp writes none unless
 * asked), a pixel limit against decompression bombs, a WebP thumbnail, and the display size.
 * Animated GIF and WebP keep every frame. sharp runs in libuv's thread pool, off the event loop;
 * the semaphore bounds how many images are worked on at once so a burst of uploads cannot take
 * every thread (the embedded database and file reads share that pool).
 */
import sharp from 'sharp';
import { AppError } from '../lib/errors.js';
import { Semaphore } from '../lib/semaphore.js';

/** Types re-encoded as images, and the format each is stored in. */
export const IMAGE_OUTPUT: Record<string, { mime: string; ext: string; format: 'jpeg' | 'png' | 'gif' | 'webp' }> = {
  'image/jpeg': { mime: 'image/jpeg', ext: 'jpg', format: 'jpeg' },
  'image/png': { mime: 'image/png', ext: 'png', format: 'png' },
  'image/gif': { mime: 'image/gif', ext: 'gif', format: 'gif' },
  'image/webp': { mime: 'image/webp', ext: 'webp', format: 'webp' },
  // AVIF decodes everywhere sharp runs but encodes slowly: stored as WebP.
  'image/avif': { mime: 'image/webp', ext: 'webp', format: 'webp' },
};
export const HEIC_TYPES = new Set(['image/heic', 'image/heif', 'image/heic-sequence', 'image/heif-sequence']);

export const THUMB_PX = 400;
export const SQUARE_PX = 256;

export interface ProcessedImage {
  width: number;
  height: number;
  mime: string;
  ext: string;
}

export class ImageProcessor {
  private readonly gate: Semaphore;

  constructor(
    concurrency: number,
    private readonly maxPixels: number,
  ) {
    this.gate = new Semaphore(concurrency);
  }

  private open(input: string, animated: boolean) {
    return sharp(input, { limitInputPixels: this.maxPixels, animated, failOn: 'truncated' });
  }

  /** Re-encodes `input` (a sniffed image type) to `output`, and writes a WebP thumbnail to `thumb`. */
  async reencode(input: string, sourceMime: string, output: string, thumb: string): Promise<ProcessedImage> {
    const target = IMAGE_OUTPUT[sourceMime];
    if (!target) throw new Error(`not an image type: ${sourceMime}`);
    return this.gate.run(() =>
      decoding(async () => {
        const meta = await this.open(input, false).metadata();
        const animated = (meta.pages ?? 1) > 1 && (target.format === 'gif' || target.format === 'webp');
        const image = this.open(input, animated).autoOrient();
        const encoded = target.format === 'jpeg' ? image.jpeg({ quality: 85, mozjpeg: true }) : image.toFormat(target.format);
        const info = await encoded.toFile(output);
        await this.open(input, false)
          .autoOrient()
          .resize(THUMB_PX, THUMB_PX, { fit: 'inside', withoutEnlargement: true })
          .webp({ quality: 75 })
          .toFile(thumb);
        const height = animated ? (info as { pageHeight?: number }).pageHeight ?? meta.pageHeight ?? info.height : info.height;
        return { width: info.width, height, mime: target.mime, ext: target.ext };
      }),
    );
  }

  /** A video poster (or any image): re-encoded as a WebP thumbnail; returns its size. */
  async thumbnail(input: string, thumb: string): Promise<{ width: number; height: number }> {
    return this.gate.run(() =>
      decoding(async () => {
        const info = await this.open(input, false)
          .autoOrient()
          .resize(THUMB_PX, THUMB_PX, { fit: 'inside', withoutEnlargement: true })
          .webp({ quality: 75 })
          .toFile(thumb);
        return { width: info.width, height: info.height };
      }),
    );
  }

  /** An avatar or room image: centre-cropped square, SQUARE_PX, WebP. */
  async square(input: string, output: string): Promise<void> {
    await this.gate.run(() =>
      decoding(() => this.open(input, false).autoOrient().resize(SQUARE_PX, SQUARE_PX, { fit: 'cover' }).webp({ quality: 85 }).toFile(output)),
    );
  }
}

/** sharp's decode errors become a clear 4xx: too many pixels (a bomb) or a broken file. */
async function decoding<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    const message = String((err as Error).message ?? err);
    if (/pixel limit/i.test(message)) {
      throw new AppError(413, 'FILE_TOO_LARGE', 'The image has too many pixels to be processed');
    }
    throw new AppError(415, 'UNSUPPORTED_MEDIA_TYPE', 'The image could not be decoded (damaged or truncated file)');
  }
}
