import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';

/** Removes the entries of `dir` last modified more than `olderThanMs` ago (0: all); returns how many. */
export async function sweepDir(dir: string, olderThanMs: number, now = Date.now()): Promise<number> {
  let removed = 0;
  for (const name of await readdir(dir)) {
    const file = path.join(dir, name);
    if (olderThanMs > 0) {
      const info = await stat(file).catch(() => null);
      if (!info || now - info.mtimeMs < olderThanMs) continue;
    }
    await rm(file, { force: true, recursive: true });
    removed++;
  }
  return removed;
}
