/**
 * Uploads, from multipart parts to stored files: rate limit and quota first, bytes to a temp file
 * (limits by sniffed type), images re-encoded (image-processor.ts), then the bytes go to storage
 * and only after that the row is written, so a row always points at complete bytes. Temp files
 * are removed on every path; anything a crash leaves in the temp folder is swept at start-up.
 */
import { createReadStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { FilesConfig } from '../config.js';
import type { UploadRow } from '../db/schema.js';
import { AppError, errors } from '../lib/errors.js';
import type { RateLimiter } from '../lib/rate-limiter.js';
import type { User } from '../protocol.js';
import type { UploadsRepository } from '../repositories/uploads-repository.js';
import type { FileStorage } from '../storage/file-storage.js';
import { sweepDir } from '../lib/sweep-dir.js';
import { HEIC_TYPES, IMAGE_OUTPUT, SQUARE_PX, type ImageProcessor } from './image-processor.js';
import { readVideoDimensions } from '../lib/video-dimensions.js';
import { receiveToTemp, type ReceivedFile, type SniffedType } from './upload-intake.js';
import { uploadRefusal } from './room-access.js';

export const VIDEO_TYPES = new Set(['video/mp4', 'video/webm']);
const DOWNLOAD_MIME = 'application/octet-stream';

/** One multipart file part, as the route hands it over. */
export interface FilePart {
  fieldname: string;
  filename: string;
  file: Readable;
}

export interface UploadServiceDeps {
  storage: FileStorage;
  uploads: UploadsRepository;
  images: ImageProcessor;
  limiter: RateLimiter;
  config: FilesConfig;
  /** Where parts are received before they are stored (DATA_DIR/upload-tmp). */
  tempDir: string;
  log?: { warn(obj: unknown, msg: string): void };
}

const unsupported = (message: string) => new AppError(415, 'UNSUPPORTED_MEDIA_TYPE', message);
const HEIC_MESSAGE = 'HEIC/HEIF photos are not supported yet: share it as JPEG or PNG (on iPhone: Settings > Camera > Formats > Most Compatible)';

/** A file name safe to show and to put in Content-Disposition: no path, no control characters. */
export function cleanFileName(raw: string | undefined, ext?: string): string {
  let name = (raw ?? '').split(/[\\/]/).pop() ?? '';
  name = name.replace(/[\u0000-\u001f\u007f"]/g, '').normalize('NFC').trim().slice(0, 200) || 'file';
  if (ext) name = `${name.replace(/\.[^.]{1,10}$/, '') || 'image'}.${ext}`;
  return name;
}

export class UploadService {
  /** Bytes of every upload part received to a temp file (files and posters; for /metrics). */
  receivedBytes = 0;

  constructor(private readonly deps: UploadServiceDeps) {}

  async init(): Promise<void> {
    await mkdir(this.deps.tempDir, { recursive: true });
  }

  /** Removes temp files (crash leftovers) older than `olderThanMs`; call at start-up. */
  async sweepTemp(olderThanMs = 0): Promise<number> {
    await this.init();
    return sweepDir(this.deps.tempDir, olderThanMs);
  }

  /** Refuses before a byte is read: guests, too many uploads this minute, quota already full. */
  async admit(user: User): Promise<void> {
    const refused = uploadRefusal(user);
    if (refused) throw refused;
    const rate = await this.deps.limiter.hit(`upload:${user.id}`, this.deps.config.uploadsPerMinute, 60_000);
    if (!rate.allowed) throw errors.rateLimited(rate.retryAfterMs, 'Too many uploads');
    await this.checkQuota(user.id, 0);
  }

  private async checkQuota(userId: string, adding: number): Promise<void> {
    const used = await this.deps.uploads.usage(userId);
    if (used + adding > this.deps.config.quotaBytes) {
      throw new AppError(507, 'QUOTA_EXCEEDED', 'Your storage is full: delete some messages with files, or ask an admin for more space');
    }
  }

  private limitFor = (type: SniffedType | undefined): number => {
    const c = this.deps.config;
    if (type && (IMAGE_OUTPUT[type.mime] || HEIC_TYPES.has(type.mime))) return c.imageMaxBytes;
    if (type && VIDEO_TYPES.has(type.mime)) return c.videoMaxBytes;
    return c.fileMaxBytes;
  };

  private tempPath(suffix: string): string {
    return path.join(this.deps.tempDir, `${randomBytes(12).toString('hex')}.${suffix}`);
  }

  private async receive(part: FilePart, limitFor: (t: SniffedType | undefined) => number): Promise<ReceivedFile> {
    const received = await receiveToTemp(part.file, this.deps.tempDir, limitFor);
    this.receivedBytes += received.size;
    if (received.size === 0) {
      await rm(received.path, { force: true });
      throw errors.validation('The file is empty');
    }
    return received;
  }

  /**
   * An attachment from the parts of `POST /api/uploads`: `file` first, then optionally `thumb`
   * (a poster image for a video). Other fields are ignored.
   */
  async attachment(user: User, parts: AsyncIterable<FilePart | { fieldname: string }>): Promise<UploadRow> {
    const temps: string[] = [];
    try {
      let main: (ReceivedFile & { name: string }) | null = null;
      let poster: ReceivedFile | null = null;
      for await (const part of parts) {
        if (!('file' in part)) continue;
        if (part.fieldname === 'file' && !main) {
          main = { ...(await this.receive(part, this.limitFor)), name: part.filename };
          temps.push(main.path);
        } else if (part.fieldname === 'thumb' && main && !poster) {
          poster = await this.receive(part, () => this.deps.config.imageMaxBytes);
          temps.push(poster.path);
        } else {
          part.file.resume();
          throw errors.validation(part.fieldname === 'thumb' ? 'Send the part "file" before "thumb"' : `Unexpected file part "${part.fieldname}"`);
        }
      }
      if (!main) throw errors.validation('Send the file as a multipart part named "file"');
      return await this.storeAttachment(user, main, poster, temps);
    } finally {
      await Promise.all(temps.map((t) => rm(t, { force: true })));
    }
  }

  private async storeAttachment(user: User, main: ReceivedFile & { name: string }, poster: ReceivedFile | null, temps: string[]): Promise<UploadRow> {
    const mime = main.type?.mime;
    if (mime && HEIC_TYPES.has(mime)) throw unsupported(HEIC_MESSAGE);
    const id = randomUUID();
    if (mime && IMAGE_OUTPUT[mime]) {
      const out = this.tempPath('img');
      const thumb = this.tempPath('thumb');
      temps.push(out, thumb);
      const image = await this.deps.images.reencode(main.path, mime, out, thumb);
      return this.store(user, { id, kind: 'image', name: cleanFileName(main.name, image.ext), mime: image.mime, width: image.width, height: image.height }, out, thumb);
    }
    if (mime && VIDEO_TYPES.has(mime)) {
      // The size is the container's (tkhd / PixelWidth); the browser's poster only when it has none.
      let size = await readVideoDimensions(main.path, mime);
      let thumb: string | null = null;
      if (poster) {
        if (!poster.type || !IMAGE_OUTPUT[poster.type.mime]) throw unsupported('The video poster ("thumb") must be a JPEG, PNG, GIF, WebP or AVIF image');
        thumb = this.tempPath('thumb');
        temps.push(thumb);
        const posterSize = await this.deps.images.thumbnail(poster.path, thumb);
        size ??= posterSize;
      }
      return this.store(user, { id, kind: 'video', name: cleanFileName(main.name), mime, width: size?.width ?? null, height: size?.height ?? null }, main.path, thumb);
    }
    return this.store(user, { id, kind: 'file', name: cleanFileName(main.name), mime: mime ?? DOWNLOAD_MIME, width: null, height: null }, main.path, null);
  }

  /** An avatar or room image: one image part `file`, cropped square; stored as already claimed. */
  async square(user: User, purpose: 'avatar' | 'room_image', parts: AsyncIterable<FilePart | { fieldname: string }>): Promise<UploadRow> {
    const temps: string[] = [];
    try {
      let received: ReceivedFile | null = null;
      for await (const part of parts) {
        if (!('file' in part)) continue;
        if (part.fieldname !== 'file' || received) {
          part.file.resume();
          throw errors.validation('Send one image as a multipart part named "file"');
        }
        received = await this.receive(part, () => this.deps.config.avatarMaxBytes);
        temps.push(received.path);
      }
      if (!received) throw errors.validation('Send the image as a multipart part named "file"');
      const mime = received.type?.mime;
      if (mime && HEIC_TYPES.has(mime)) throw unsupported(HEIC_MESSAGE);
      if (!mime || !IMAGE_OUTPUT[mime]) throw unsupported('An avatar or room image must be a JPEG, PNG, GIF, WebP or AVIF image');
      const out = this.tempPath('square');
      temps.push(out);
      await this.deps.images.square(received.path, out);
      const meta = { id: randomUUID(), kind: 'image' as const, name: `${purpose}.webp`, mime: 'image/webp', width: SQUARE_PX, height: SQUARE_PX };
      return await this.store(user, meta, out, null, purpose);
    } finally {
      await Promise.all(temps.map((t) => rm(t, { force: true })));
    }
  }

  private async store(
    user: User,
    meta: Pick<UploadRow, 'id' | 'kind' | 'name' | 'mime' | 'width' | 'height'>,
    file: string,
    thumb: string | null,
    purpose: UploadRow['purpose'] = 'attachment',
  ): Promise<UploadRow> {
    const size = (await stat(file)).size;
    const thumbSize = thumb ? (await stat(thumb)).size : 0;
    await this.checkQuota(user.id, size + thumbSize);
    const { storage } = this.deps;
    const storageKey = meta.id;
    const thumbKey = thumb ? `${meta.id}.thumb` : null;
    await storage.put(storageKey, createReadStream(file), size, meta.mime);
    if (thumb && thumbKey) await storage.put(thumbKey, createReadStream(thumb), thumbSize, 'image/webp');
    return this.deps.uploads.insert({
      ...meta,
      ownerId: user.id,
      purpose,
      size,
      thumbSize,
      storageKey,
      thumbKey,
      ...(purpose === 'attachment' ? {} : { claimedAt: new Date() }),
    });
  }

  /**
   * Removes expired uploads (uploads-repository `takeExpired`): rows first, so nothing can claim
   * or serve them any more, then their bytes. Bytes that fail to go are logged (never served).
   */
  async sweep(now = Date.now()): Promise<number> {
    const { config, uploads, storage } = this.deps;
    const rows = await uploads.takeExpired(new Date(now - config.unclaimedTtlMs), new Date(now - config.deletedGraceMs));
    for (const row of rows) {
      for (const key of [row.storageKey, row.thumbKey]) {
        if (!key) continue;
        await storage.delete(key).catch((err: unknown) => this.deps.log?.warn({ err, uploadId: row.id, key }, 'could not remove a stored file'));
      }
    }
    return rows.length;
  }
}
