/**
 * Batches keyed reads into few loads: a reconnect storm's thousands of identical per-connection
 * queries become a few set-based ones. Keys asked in one event-loop turn share a load, and so do
 * keys asked while `maxInFlight` loads are still out (they wait for one to return, then go
 * together: the busier the database, the larger the batches, like a group commit).
 *
 * Invariants:
 * - Every `get` resolves with what the one load that included its key returned for it (undefined
 *   when absent), or rejects with that load's error; no key waits longer than the turn it was
 *   asked in, the loads already out, and its own load.
 * - A load is issued after the turn its keys were asked in (setImmediate, or a later load's
 *   return), so a read asked after some write was made still runs after it.
 * - A key waiting twice is loaded once; at most `maxBatch` keys per load.
 * - With nothing in flight a key waits only for the end of its turn (an idle server adds no delay).
 * - Pacing (`paceMs`): a load starts at least `paceMs` after the one before it. A key asked when
 *   none started in the last `paceMs` goes at the end of its turn as above; a key asked sooner waits
 *   for the pace, with every key asked meanwhile. Under a steady stream of keys (a reconnect storm
 *   on a server whose database answers in a millisecond) the loads stay few and large, where
 *   without it nearly every key got a load of its own: each key waits at most `paceMs` more.
 */
/**
 * The pace of the reads a reconnect storm multiplies (realtime/connect-reads.ts, the session
 * lookups of plugins/auth.ts). Without it a storm's keys, arriving a few per turn at a database
 * that answers in a millisecond, got nearly a load each (2,000 resuming sockets: ~1,700 reads of
 * the users' rooms); with it at most 100 loads a second per read, and a key waits at most 10 ms more.
 */
export const STORM_READ_PACE_MS = 10;

export type BatchLoad<K, V> = (keys: K[]) => Promise<Map<K, V>>;

interface Waiting<V> {
  resolve(v: V | undefined): void;
  reject(err: unknown): void;
}

export interface BatchOptions {
  /** Keys per load (default 500). */
  maxBatch?: number;
  /** Loads out at once (default 2); keys asked meanwhile wait and go as one batch. */
  maxInFlight?: number;
  /** Least time (ms) from one load's start to the next one's (default 0: none). */
  paceMs?: number;
}

export function tickBatcher<K, V>(load: BatchLoad<K, V>, { maxBatch = 500, maxInFlight = 2, paceMs = 0 }: BatchOptions = {}): (key: K) => Promise<V | undefined> {
  let queued = new Map<K, Waiting<V>[]>();
  let scheduled = false;
  let inFlight = 0;
  let lastStart = -Infinity;

  /** How long (ms) the pace holds the next load back; under 1 ms it goes at the end of the turn. */
  const paceWait = (): number => lastStart + paceMs - performance.now();
  /** The next flush: at the end of this turn, or when the pace allows the next load. */
  const schedule = (): void => {
    scheduled = true;
    const wait = paceWait();
    if (wait >= 1) setTimeout(flush, wait);
    else setImmediate(flush);
  };

  const run = (batch: Map<K, Waiting<V>[]>): void => {
    inFlight++;
    lastStart = performance.now();
    const settled = (): void => {
      inFlight--;
      if (!scheduled) flush();
    };
    load([...batch.keys()]).then(
      (found) => {
        settled();
        for (const [key, waiting] of batch) for (const w of waiting) w.resolve(found.get(key));
      },
      (err: unknown) => {
        settled();
        for (const waiting of batch.values()) for (const w of waiting) w.reject(err);
      },
    );
  };

  /** Issues loads of what waits, up to maxInFlight (one when paced); the rest waits its turn. */
  const flush = (): void => {
    scheduled = false;
    while (queued.size && inFlight < maxInFlight) {
      if (paceWait() >= 1) {
        schedule();
        return;
      }
      const batch = new Map<K, Waiting<V>[]>();
      for (const [key, waiting] of queued) {
        batch.set(key, waiting);
        queued.delete(key);
        if (batch.size >= maxBatch) break;
      }
      run(batch);
    }
  };

  return (key: K) =>
    new Promise<V | undefined>((resolve, reject) => {
      const waiting = queued.get(key);
      if (waiting) waiting.push({ resolve, reject });
      else queued.set(key, [{ resolve, reject }]);
      if (!scheduled && inFlight < maxInFlight) schedule();
    });
}
