/**
 * The image worker process (forked by image-processor.ts): every sharp call of the server runs
 * here, never in the server process. It lowers its own CPU priority first, before sharp starts
 * any thread (libvips' threads inherit the priority of the thread that creates them), so image work only gets the CPU the chat does not need: on a busy core the server's
 * event loop keeps its turn (issue 11: fan-out p99 during an upload burst).
 *
 * Protocol (Node IPC, JSON): the parent sends `ImageJob`s, one answer `ImageAnswer` per job id.
 * Invariants: paths come from the parent only (temp files it made); errors are answered, never
 * thrown out (a job's failure does not end the process); the process ends with its IPC channel.
 */
import { readdirSync } from 'node:fs';
import { setPriority } from 'node:os';
import sharp from 'sharp';
import { IMAGE_WORKER_FLAG, IMAGE_WORKER_NICE, SQUARE_PX, THUMB_PX, type ImageAnswer, type ImageJob } from './image-jobs.js';

/**
 * On Linux a priority belongs to a thread, and libuv's pool already runs (module loading used it):
 * every thread of this process is lowered, and the ones started later inherit it. Elsewhere the
 * process priority is set.
 */
function lowerPriority(): void {
  let tids: number[] = [0];
  try {
    tids = readdirSync('/proc/self/task').map(Number);
  } catch {
    // No /proc: the process as a whole.
  }
  for (const tid of tids) {
    try {
      setPriority(tid, IMAGE_WORKER_NICE);
    } catch {
      // Not permitted here (some sandboxes): the work still runs, at normal priority.
    }
  }
}

const open = (input: string, maxPixels: number, animated = false) => sharp(input, { limitInputPixels: maxPixels, animated, failOn: 'truncated' });

async function run(job: ImageJob): Promise<{ width: number; height: number }> {
  if (job.op === 'thumbnail') {
    const info = await open(job.input, job.maxPixels).autoOrient().resize(THUMB_PX, THUMB_PX, { fit: 'inside', withoutEnlargement: true }).webp({ quality: 75 }).toFile(job.thumb);
    return { width: info.width, height: info.height };
  }
  if (job.op === 'square') {
    const info = await open(job.input, job.maxPixels).autoOrient().resize(SQUARE_PX, SQUARE_PX, { fit: 'cover' }).webp({ quality: 85 }).toFile(job.output);
    return { width: info.width, height: info.height };
  }
  // Only GIF and WebP can be animated: the others skip the header read.
  const mayAnimate = job.format === 'gif' || job.format === 'webp';
  const meta = mayAnimate ? await open(job.input, job.maxPixels).metadata() : null;
  const animated = (meta?.pages ?? 1) > 1;
  const image = open(job.input, job.maxPixels, animated).autoOrient();
  // libjpeg-turbo, not mozjpeg: mozjpeg took ~10x the CPU (6 s for a 5 MB photo on one core).
  const encoded = job.format === 'jpeg' ? image.jpeg({ quality: 85 }) : image.toFormat(job.format);
  const info = await encoded.toFile(job.output);
  await open(job.input, job.maxPixels).autoOrient().resize(THUMB_PX, THUMB_PX, { fit: 'inside', withoutEnlargement: true }).webp({ quality: 75 }).toFile(job.thumb);
  const height = animated ? ((info as { pageHeight?: number }).pageHeight ?? meta?.pageHeight ?? info.height) : info.height;
  return { width: info.width, height };
}

async function answer(job: ImageJob): Promise<ImageAnswer> {
  try {
    return { id: job.id, ok: true, ...(await run(job)) };
  } catch (err) {
    const message = String((err as Error).message ?? err);
    return { id: job.id, ok: false, reason: /pixel limit/i.test(message) ? 'pixels' : 'decode' };
  }
}

// Only when forked as the worker (the flag), never when imported.
if (process.send && process.argv.includes(IMAGE_WORKER_FLAG)) {
  lowerPriority();
  // One libvips thread per image: the parent bounds how many images are in flight at once. No
  // cache: every image is new.
  sharp.concurrency(1);
  sharp.cache(false);
  process.on('message', (job: ImageJob) => {
    void answer(job).then((a) => process.send?.(a));
  });
  process.on('disconnect', () => process.exit(0));
}
