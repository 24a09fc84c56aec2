/**
 * One process per DATA_DIR. Two PGlite instances on one data directory corrupt it (a `seed` next
 * to a running server "succeeded" and lost its writes), so opening the embedded database first
 * takes `DATA_DIR/rtchat.lock`.
 *
 * Invariants:
 * - The lock file appears atomically with its whole content (written to a private file, then
 *   hard-linked into place: link(2) fails if the name exists, like O_CREAT|O_EXCL), so nobody ever
 *   reads a half-written lock.
 * - A lock whose process is dead on this host is stale and taken over; one whose process is alive,
 *   or that names another host (whose processes we cannot see), is refused with who holds it.
 * - Only the owner deletes the lock: `release` (and the exit hook) check the content first.
 */
import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';

export const LOCK_FILE = 'rtchat.lock';

export interface LockOwner {
  pid: number;
  hostname: string;
  /** ISO time the owner took the lock. */
  since: string;
  /** What runs there, e.g. "npm start", "npm run seed", "node dist/server.js". */
  command: string;
}

export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly owner: LockOwner | null,
    readonly lockFile: string,
  ) {
    const where = displayPath(dataDir);
    const who = owner
      ? `process ${owner.pid} (${owner.command}, since ${owner.since})${owner.hostname === hostname() ? '' : ` on host ${owner.hostname}`}`
      : 'another process (its lock file cannot be read)';
    super(
      `DATA_DIR ${where} is in use by ${who}. Stop it first, or use another DATA_DIR. ` +
        `Only if that process is gone, delete ${displayPath(lockFile)}.`,
    );
    this.name = 'DataDirLockedError';
  }
}

export interface DataDirLock {
  release(): void;
}

/** Lock files held by this process: the same process opening the same DATA_DIR twice is refused too. */
const heldHere = new Set<string>();

/** Takes the DATA_DIR lock or throws DataDirLockedError. */
export function lockDataDir(dataDir: string, command = describeCommand()): DataDirLock {
  mkdirSync(dataDir, { recursive: true });
  const lockFile = path.join(dataDir, LOCK_FILE);
  const mine: LockOwner = { pid: process.pid, hostname: hostname(), since: new Date().toISOString(), command };
  const content = `${JSON.stringify(mine)}\n`;
  // Three rounds: a stale lock taken over by someone else between our read and our rename.
  for (let round = 0; round < 3; round++) {
    if (tryCreate(lockFile, content)) {
      heldHere.add(lockFile);
      const onExit = () => releaseIfMine(lockFile, content);
      process.once('exit', onExit);
      return {
        release: () => {
          process.removeListener('exit', onExit);
          heldHere.delete(lockFile);
          releaseIfMine(lockFile, content);
        },
      };
    }
    const raw = readOrNull(lockFile);
    if (raw === null) continue; // released meanwhile
    const owner = parseOwner(raw);
    if (!owner || !isStale(owner, lockFile)) throw new DataDirLockedError(dataDir, owner, lockFile);
    takeOverStale(lockFile, raw);
  }
  throw new DataDirLockedError(dataDir, parseOwner(readOrNull(lockFile) ?? ''), lockFile);
}

function tryCreate(lockFile: string, content: string): boolean {
  const temp = `${lockFile}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(temp, content, { mode: 0o644 });
  try {
    linkSync(temp, lockFile);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    unlinkSync(temp);
  }
}

function isStale(owner: LockOwner, lockFile: string): boolean {
  if (owner.hostname !== hostname()) return false;
  // Our own pid in a lock we do not hold: a previous run in a restarted container had this pid.
  if (owner.pid === process.pid) return !heldHere.has(lockFile);
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Moves the stale lock aside atomically; if what was moved is not the stale lock we judged (a
 * racer replaced it with a live one meanwhile), it is put back.
 */
function takeOverStale(lockFile: string, staleRaw: string): void {
  const aside = `${lockFile}.stale.${process.pid}.${randomBytes(4).toString('hex')}`;
  try {
    renameSync(lockFile, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if (readOrNull(aside) !== staleRaw) {
    try {
      linkSync(aside, lockFile);
    } catch {
      // Someone holds the name again; they are the owner now.
    }
  }
  unlinkSync(aside);
}

function releaseIfMine(lockFile: string, content: string): void {
  if (readOrNull(lockFile) === content) {
    try {
      unlinkSync(lockFile);
    } catch {
      // already gone
    }
  }
}

function readOrNull(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

function parseOwner(raw: string): LockOwner | null {
  try {
    const value = JSON.parse(raw) as Partial<LockOwner>;
    if (typeof value.pid !== 'number' || typeof value.hostname !== 'string') return null;
    return { pid: value.pid, hostname: value.hostname, since: String(value.since ?? '?'), command: String(value.command ?? '?') };
  } catch {
    return null;
  }
}

/** How this process was started, as a person would type it ("npm start", "node ./dist/seed.js"). */
export function describeCommand(): string {
  const entry = process.argv[1] ? displayPath(process.argv[1]) : '';
  // npm sets these for the script it runs, and children inherit them: trust them only when the
  // script's own command line names this entry point.
  const script = process.env.npm_lifecycle_event;
  const line = process.env.npm_lifecycle_script ?? '';
  if (script && entry && line.includes(entry.replace(/^\.\//, ''))) {
    return script === 'start' || script === 'test' ? `npm ${script}` : `npm run ${script}`;
  }
  return entry ? `node ${entry}` : 'node';
}

/** A path relative to the working directory when inside it ("./data"), absolute otherwise. */
function displayPath(p: string): string {
  const rel = path.relative(process.cwd(), p);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? `./${rel}` : p;
}
