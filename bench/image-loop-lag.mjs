/**
 * Side-by-side: how much image work delays the server's event loop on ONE core (the benchmark's
 * server core), sharp in the process (as before the image worker) vs ImageProcessor (the image
 * worker child at the lowest priority). Each repetition re-encodes `IMAGES` 5 MB photos,
 * IMAGE_CONCURRENCY=2 at once, while a 1 ms timer that burns BUSY_MS of CPU per tick (a server
 * busy with fan-out: it wants most of the core) measures its own lateness (p50/p99/max).
 * Alternates the two modes. Run pinned: `taskset -c 0 node bench/image-loop-lag.mjs` after
 * `npm run build`. Not part of bench/run.mjs.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { photo } from './lib/photo.mjs';
import { ImageProcessor } from '../dist/services/image-processor.js';

const IMAGES = Number(process.env.IMAGES ?? 10);
const REPS = Number(process.env.REPS ?? 3);
const BUSY_MS = Number(process.env.BUSY_MS ?? 0.7);
const dir = mkdtempSync(path.join(tmpdir(), 'rtchat-lag-'));

/** What the server did before: sharp in this process, one libvips thread per image, 2 at once. */
async function inProcess(input, i) {
  const out = path.join(dir, `in-${i}.jpg`);
  const thumb = path.join(dir, `in-${i}.webp`);
  await sharp(input, { failOn: 'truncated' }).autoOrient().jpeg({ quality: 85 }).toFile(out);
  await sharp(input, { failOn: 'truncated' }).autoOrient().resize(400, 400, { fit: 'inside', withoutEnlargement: true }).webp({ quality: 75 }).toFile(thumb);
}

async function pool(n, concurrency, task) {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < n) await task(next++);
  }));
}

async function measure(work) {
  const lateness = [];
  let running = true;
  const tick = () => {
    const t0 = performance.now();
    setTimeout(() => {
      const now = performance.now();
      lateness.push(now - t0 - 1);
      while (performance.now() - now < BUSY_MS); // the work of this turn
      if (running) tick();
    }, 1);
  };
  tick();
  const started = performance.now();
  await work();
  const seconds = (performance.now() - started) / 1000;
  running = false;
  lateness.sort((a, b) => a - b);
  const q = (p) => Math.round(lateness[Math.min(lateness.length - 1, Math.floor(p * lateness.length))] * 10) / 10;
  return { p50: q(0.5), p99: q(0.99), max: Math.round(lateness.at(-1)), seconds: Math.round(seconds * 10) / 10 };
}

const input = path.join(dir, 'photo.jpg');
writeFileSync(input, await photo(5));
sharp.concurrency(1);
sharp.cache(false);
const worker = new ImageProcessor(2, 50_000_000);
// The worker starts (node + sharp, before it lowers its priority) outside the measurement.
await worker.thumbnail(input, path.join(dir, 'warm.webp'));
for (let rep = 1; rep <= REPS; rep++) {
  const a = await measure(() => pool(IMAGES, 2, (i) => inProcess(input, i)));
  console.log(`rep ${rep} in-process sharp : loop lateness p50 ${a.p50} ms, p99 ${a.p99} ms, max ${a.max} ms; ${IMAGES} images in ${a.seconds} s`);
  const b = await measure(() => pool(IMAGES, 2, (i) => worker.reencode(input, 'image/jpeg', path.join(dir, `w-${i}.jpg`), path.join(dir, `w-${i}.webp`))));
  console.log(`rep ${rep} image worker     : loop lateness p50 ${b.p50} ms, p99 ${b.p99} ms, max ${b.max} ms; ${IMAGES} images in ${b.seconds} s`);
}
worker.close();
