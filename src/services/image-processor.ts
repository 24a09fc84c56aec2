/**
 * Image re-encoding: auto-orient, ALL metadata dropped (sharp writes none unless asked), a pixel
 * limit against decompression bombs, a WebP thumbnail, and the display size. Animated GIF and
 * WebP keep every frame.
 *
 * Invariants:
 * - sharp never runs in the server process: jobs go to one child process (image-worker.ts) at the
 *   lowest CPU priority, so on a shared core image work takes only what the event loop leaves
 *   (measured: fan-out p99 during an upload burst, bench/uploads.mjs). A bomb or a crash in libvips
 *   ends the child, not the server.
 * - At most `concurrency` jobs are in the child at once (the semaphore), one libvips thread each.
 * - Every job is answered: by the child, or with a 500 when the child dies or does not answer within
 *   IMAGE_JOB_TIMEOUT_MS (it is then killed); the next job starts a new child. Started on first use,
 *   ended by `close()`.
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppError } from '../lib/errors.js';
import { Semaphore } from '../lib/semaphore.js';
import { IMAGE_WORKER_FLAG, SQUARE_PX, THUMB_PX, type ImageAnswer, type ImageJob } from './image-jobs.js';

export { SQUARE_PX, THUMB_PX };

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

/** Longest a job may take in the worker (a 100-megapixel image takes a few seconds). */
export const IMAGE_JOB_TIMEOUT_MS = 120_000;

export interface ProcessedImage {
  width: number;
  height: number;
  mime: string;
  ext: string;
}

type JobInput = ImageJob extends infer J ? (J extends ImageJob ? Omit<J, 'id' | 'maxPixels'> : never) : never;

/** The worker script beside this file: compiled JS in production, TypeScript under the tests (tsx). */
function workerEntry(): { file: string; execArgv: string[] } {
  const self = fileURLToPath(import.meta.url);
  const ext = path.extname(self);
  return { file: path.join(path.dirname(self), `image-worker${ext}`), execArgv: ext === '.ts' ? ['--import', 'tsx'] : [] };
}

export class ImageProcessor {
  private readonly gate: Semaphore;
  private child: ChildProcess | null = null;
  private nextId = 1;
  private readonly waiting = new Map<number, { child: ChildProcess; resolve: (a: ImageAnswer) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  private closed = false;

  constructor(
    concurrency: number,
    private readonly maxPixels: number,
  ) {
    this.gate = new Semaphore(concurrency);
  }

  /** Re-encodes `input` (a sniffed image type) to `output`, and writes a WebP thumbnail to `thumb`. */
  async reencode(input: string, sourceMime: string, output: string, thumb: string): Promise<ProcessedImage> {
    const target = IMAGE_OUTPUT[sourceMime];
    if (!target) throw new Error(`not an image type: ${sourceMime}`);
    const size = await this.job({ op: 'reencode', input, format: target.format, output, thumb });
    return { ...size, mime: target.mime, ext: target.ext };
  }

  /** A video poster (or any image): re-encoded as a WebP thumbnail; returns its size. */
  thumbnail(input: string, thumb: string): Promise<{ width: number; height: number }> {
    return this.job({ op: 'thumbnail', input, thumb });
  }

  /** An avatar or room image: centre-cropped square, SQUARE_PX, WebP. */
  async square(input: string, output: string): Promise<void> {
    await this.job({ op: 'square', input, output });
  }

  /** The worker's process id while it runs (tests, diagnostics). */
  get workerPid(): number | undefined {
    return this.child?.pid;
  }

  /** Ends the worker; jobs still waiting for it fail. */
  close(): void {
    this.closed = true;
    this.stopChild(new Error('image processing stopped'));
  }

  private async job(input: JobInput): Promise<{ width: number; height: number }> {
    const answer = await this.gate.run(() => this.send({ ...input, id: this.nextId++, maxPixels: this.maxPixels } as ImageJob));
    if (answer.ok) return { width: answer.width, height: answer.height };
    // sharp's decode errors become a clear 4xx: too many pixels (a bomb) or a broken file.
    if (answer.reason === 'pixels') throw new AppError(413, 'FILE_TOO_LARGE', 'The image has too many pixels to be processed');
    throw new AppError(415, 'UNSUPPORTED_MEDIA_TYPE', 'The image could not be decoded (damaged or truncated file)');
  }

  private send(job: ImageJob): Promise<ImageAnswer> {
    if (this.closed) return Promise.reject(new Error('image processing stopped'));
    const child = this.worker();
    return new Promise<ImageAnswer>((resolve, reject) => {
      const timer = setTimeout(() => this.stopChild(new Error('image processing timed out')), IMAGE_JOB_TIMEOUT_MS);
      this.waiting.set(job.id, { child, resolve, reject, timer });
      child.send(job, (err) => {
        if (err) this.settle(job.id, err);
      });
    });
  }

  private settle(id: number, result: ImageAnswer | Error): void {
    const w = this.waiting.get(id);
    if (!w) return;
    this.waiting.delete(id);
    clearTimeout(w.timer);
    if (result instanceof Error) w.reject(result);
    else w.resolve(result);
  }

  private worker(): ChildProcess {
    if (this.child) return this.child;
    const { file, execArgv } = workerEntry();
    const child = fork(file, [IMAGE_WORKER_FLAG], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'json' });
    child.on('message', (a: ImageAnswer) => this.settle(a.id, a));
    const gone = () => {
      if (this.child === child) this.child = null;
      this.failJobsOf(child, new Error('the image worker stopped'));
    };
    child.once('exit', gone);
    child.once('error', gone);
    // Only the jobs in flight keep the server alive, not an idle worker.
    child.unref();
    (child.channel as { unref?: () => void } | undefined)?.unref?.();
    this.child = child;
    return child;
  }

  private failJobsOf(child: ChildProcess, reason: Error): void {
    for (const [id, w] of [...this.waiting]) if (w.child === child) this.settle(id, reason);
  }

  private stopChild(reason: Error): void {
    const child = this.child;
    this.child = null;
    if (!child) return;
    this.failJobsOf(child, reason);
    child.kill('SIGKILL');
  }
}
