import { isUniqueViolation } from './errors.js';

/** Attempts of a write that keeps meeting conflicts before its error is passed on. */
export const CONFLICT_RETRIES = 3;

/**
 * Errors after which a whole write is simply tried again: nothing was stored (a unique violation
 * from a concurrent writer, a deadlock with another process, a serialization failure).
 */
export function isRetryableConflict(err: unknown): boolean {
  if (isUniqueViolation(err)) return true;
  for (let e = err as { code?: string; cause?: unknown } | null, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) {
    if (e.code === '40P01' || e.code === '40001') return true;
  }
  return false;
}

/** Runs `write`, again (up to CONFLICT_RETRIES attempts) after a retryable conflict. */
export async function retryingConflicts<T>(write: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (err) {
      if (attempt < CONFLICT_RETRIES && isRetryableConflict(err)) continue;
      throw err;
    }
  }
}
