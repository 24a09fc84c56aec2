/**
 * Several instances on local disk must all see one files folder (a shared mount), or a file
 * uploaded through one instance is missing on the others. This cannot be assumed, so it is
 * checked: each instance writes a marker file with a random token into the folder and announces
 * the token in Redis (with a TTL, renewed); each instance then reads the markers the others
 * announced. A missing or different marker means the folder is not shared: reported in /readyz
 * detail and logged, never a refusal to start (the operator may be migrating the mount).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Redis } from 'ioredis';

const TTL_SEC = 120;
/** Marker renewal and the re-check that /readyz reports (unref'd). */
export const SHARED_CHECK_MS = 30_000;

export interface SharedFolderStatus {
  ok: boolean;
  detail?: string;
}

export class SharedFolderCheck {
  private readonly token = randomBytes(16).toString('hex');
  private readonly dir: string;
  private last: SharedFolderStatus = { ok: true };
  private timer: NodeJS.Timeout | null = null;

  constructor(
    root: string,
    private readonly redis: Pick<Redis, 'set' | 'get' | 'keys' | 'del'>,
    private readonly prefix: string,
    private readonly instanceId: string,
    private readonly log: { warn(obj: unknown, msg: string): void },
  ) {
    this.dir = path.join(root, '.instances');
  }

  private key(id: string): string {
    return `${this.prefix}files-marker:${id}`;
  }

  private markerPath(id: string): string {
    return path.join(this.dir, id.replace(/[^\w.-]/g, '_'));
  }

  /** Writes this instance's marker, announces it, checks the others; then keeps doing so. */
  async start(): Promise<void> {
    await this.round();
    this.timer = setInterval(() => void this.round(), SHARED_CHECK_MS);
    this.timer.unref();
  }

  private async round(): Promise<void> {
    try {
      await mkdir(this.dir, { recursive: true });
      await writeFile(this.markerPath(this.instanceId), this.token);
      await this.redis.set(this.key(this.instanceId), this.token, 'EX', TTL_SEC);
      this.last = await this.checkOthers();
    } catch (err) {
      this.last = { ok: false, detail: `files folder check failed: ${(err as Error).message}` };
    }
    if (!this.last.ok) this.log.warn({ detail: this.last.detail }, 'files folder is not shared by every instance');
  }

  /** The other instances whose marker this instance cannot read in the folder. */
  async checkOthers(): Promise<SharedFolderStatus> {
    const keys = await this.redis.keys(`${this.prefix}files-marker:*`);
    const missing: string[] = [];
    for (const key of keys) {
      const id = key.slice(`${this.prefix}files-marker:`.length);
      if (id === this.instanceId) continue;
      const token = await this.redis.get(key);
      const seen = await readFile(this.markerPath(id), 'utf8').catch(() => null);
      if (token && seen !== token) missing.push(id);
    }
    if (!missing.length) return { ok: true };
    return { ok: false, detail: `files folder not shared with instance(s) ${missing.join(', ')}: mount the same DATA_DIR/files on every instance, or set S3_BUCKET` };
  }

  status(): SharedFolderStatus {
    return this.last;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await Promise.allSettled([this.redis.del(this.key(this.instanceId)), rm(this.markerPath(this.instanceId), { force: true })]);
  }
}
