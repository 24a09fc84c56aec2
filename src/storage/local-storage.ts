/**
 * Files on local disk under `<root>` (DATA_DIR/files by default). A write goes to `<root>/.tmp`
 * first and is renamed into place once complete (same filesystem, so the rename is atomic);
 * `sweepTemp` removes what a crash left there, at start-up.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { assertKey, type ByteRange, type FileStorage } from './file-storage.js';

export class LocalStorage implements FileStorage {
  readonly kind = 'local' as const;
  readonly tempDir: string;

  constructor(readonly root: string) {
    this.tempDir = path.join(root, '.tmp');
  }

  async init(): Promise<void> {
    await mkdir(this.tempDir, { recursive: true });
  }

  private pathOf(key: string): string {
    assertKey(key);
    return path.join(this.root, key);
  }

  async put(key: string, body: Readable, size: number, _contentType?: string): Promise<void> {
    const target = this.pathOf(key);
    const temp = path.join(this.tempDir, `${randomBytes(8).toString('hex')}.part`);
    try {
      await pipeline(body, createWriteStream(temp, { flags: 'wx', mode: 0o600 }));
      const written = (await stat(temp)).size;
      if (written !== size) throw new Error(`stored ${written} bytes of ${size} for ${key}`);
      await rename(temp, target);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    const file = this.pathOf(key);
    await stat(file);
    return createReadStream(file, range ? { start: range.start, end: range.end } : {});
  }

  async head(key: string): Promise<{ size: number } | null> {
    try {
      return { size: (await stat(this.pathOf(key))).size };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  async signedUrl(): Promise<string | null> {
    return null;
  }

  /** Removes every half-written file (crash leftovers); call when no write is in flight (start-up). */
  async sweepTemp(): Promise<number> {
    await this.init();
    const names = await readdir(this.tempDir);
    await Promise.all(names.map((n) => rm(path.join(this.tempDir, n), { force: true, recursive: true })));
    return names.length;
  }
}
