/**
 * How the entry points (server, seed, db:migrate) end when they cannot start: a known reason is
 * one readable line and a sysexits code; anything else is printed whole.
 */
import { ConfigError } from '../config.js';
import { DataDirLockedError } from '../db/data-dir-lock.js';

/** EX_CONFIG: a bad environment; EX_TEMPFAIL: DATA_DIR is busy, try again when the holder stops. */
export const EXIT = { CONFIG: 78, DATA_DIR_IN_USE: 75, FAILURE: 1 } as const;

export function exitOnStartupError(err: unknown): never {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      process.exit(EXIT.CONFIG);
    }
    if (e instanceof DataDirLockedError) {
      console.error(e.message);
      process.exit(EXIT.DATA_DIR_IN_USE);
    }
  }
  console.error(err);
  process.exit(EXIT.FAILURE);
}
