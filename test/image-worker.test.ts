/**
 * Image work runs in a child process at the lowest CPU priority (every thread of it, on Linux),
 * never in the server; a worker that dies fails only the jobs it held (500, never a hang) and the
 * next job gets a new one; close() ends it.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { IMAGE_WORKER_NICE } from '../src/services/image-jobs.js';
import { ImageProcessor } from '../src/services/image-processor.js';
import { solidImage } from './file-helpers.js';

const dir = mkdtempSync(path.join(tmpdir(), 'rtchat-images-'));
const images = new ImageProcessor(2, 50_000_000);
afterAll(() => images.close());

async function file(name: string, bytes: Buffer): Promise<string> {
  const p = path.join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

/** Niceness of every thread of `pid` (field 19 of /proc/<pid>/task/<tid>/stat). */
function threadNiceness(pid: number): number[] {
  return readdirSync(`/proc/${pid}/task`).map((tid) => {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
  });
}

describe('the image worker', () => {
  it('re-encodes in another process, every thread of it at the lowest priority', async () => {
    const input = await file('a.png', await solidImage('png', 120, 80));
    const got = await images.reencode(input, 'image/png', path.join(dir, 'a.out.png'), path.join(dir, 'a.thumb.webp'));
    expect(got).toEqual({ width: 120, height: 80, mime: 'image/png', ext: 'png' });
    expect((await sharp(path.join(dir, 'a.thumb.webp')).metadata()).format).toBe('webp');
    const pid = images.workerPid!;
    expect(pid).toBeGreaterThan(0);
    expect(pid).not.toBe(process.pid);
    if (existsSync('/proc/self/task')) {
      const niceness = threadNiceness(pid);
      expect(niceness.length).toBeGreaterThan(1);
      expect(new Set(niceness)).toEqual(new Set([IMAGE_WORKER_NICE]));
      // The server's own threads are untouched.
      expect(threadNiceness(process.pid)).not.toContain(IMAGE_WORKER_NICE);
    }
  });

  it('answers 4xx for a broken image without losing the worker', async () => {
    const pid = images.workerPid;
    const broken = await file('broken.png', (await solidImage('png', 200, 200)).subarray(0, 120));
    await expect(images.thumbnail(broken, path.join(dir, 'broken.webp'))).rejects.toMatchObject({ statusCode: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
    expect(images.workerPid).toBe(pid);
  });

  it('a worker killed mid-job fails that job with an error, and the next job gets a new worker', async () => {
    const big = await file(
      'big.png',
      await sharp({ create: { width: 800, height: 800, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 40 } } })
        .png({ compressionLevel: 1 })
        .toBuffer(),
    );
    const first = images.workerPid!;
    const job = images.thumbnail(big, path.join(dir, 'big.webp'));
    process.kill(first, 'SIGKILL');
    await expect(job).rejects.toThrow(/image worker stopped/);
    const small = await file('small.png', await solidImage('png', 30, 20));
    await expect(images.thumbnail(small, path.join(dir, 'small.webp'))).resolves.toEqual({ width: 30, height: 20 });
    expect(images.workerPid).not.toBe(first);
  });

  it('close() ends the worker and refuses later jobs', async () => {
    const own = new ImageProcessor(1, 1_000_000);
    const input = await file('c.png', await solidImage('png', 10, 10));
    await own.square(input, path.join(dir, 'c.webp'));
    const pid = own.workerPid!;
    own.close();
    expect(own.workerPid).toBeUndefined();
    await expect(own.thumbnail(input, path.join(dir, 'c2.webp'))).rejects.toThrow(/stopped/);
    for (let i = 0; i < 100 && existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z '); i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const gone = !existsSync(`/proc/${pid}`) || readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
    expect(gone).toBe(true);
  });
});
