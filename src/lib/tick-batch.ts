/**
 * Batches keyed reads made during one event-loop turn into one load: a reconnect storm's
 * thousands of identical per-connection queries become a few set-based ones.
 *
 * Invariants:
 * - Every `get` resolves with what the one load that included its key returned for it (undefined
 *   when absent), or rejects with that load's error; no key waits longer than the turn it was
 *   asked in plus its load.
 * - A load is issued after the current turn (setImmediate), so a read asked after some write
 *   was made still runs after it.
 * - A key asked twice in one turn is loaded once; at most `maxBatch` keys per load.
 */
export type BatchLoad<K, V> = (keys: K[]) => Promise<Map<K, V>>;

interface Waiting<V> {
  resolve(v: V | undefined): void;
  reject(err: unknown): void;
}

export function tickBatcher<K, V>(load: BatchLoad<K, V>, maxBatch = 500): (key: K) => Promise<V | undefined> {
  let queued = new Map<K, Waiting<V>[]>();
  let scheduled = false;

  const run = (batch: Map<K, Waiting<V>[]>): void => {
    load([...batch.keys()]).then(
      (found) => {
        for (const [key, waiting] of batch) for (const w of waiting) w.resolve(found.get(key));
      },
      (err: unknown) => {
        for (const waiting of batch.values()) for (const w of waiting) w.reject(err);
      },
    );
  };

  const flush = (): void => {
    scheduled = false;
    const all = queued;
    queued = new Map();
    let batch = new Map<K, Waiting<V>[]>();
    for (const [key, waiting] of all) {
      batch.set(key, waiting);
      if (batch.size >= maxBatch) {
        run(batch);
        batch = new Map();
      }
    }
    if (batch.size) run(batch);
  };

  return (key: K) =>
    new Promise<V | undefined>((resolve, reject) => {
      const waiting = queued.get(key);
      if (waiting) waiting.push({ resolve, reject });
      else queued.set(key, [{ resolve, reject }]);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    });
}
