/**
 * A check shared by everyone who needs it at once: at most one runs at a time, and a success is
 * trusted for `freshMs`. The WebSocket upgrade uses it for "does the database answer?": a session
 * from the cache needs no query, yet an upgrade during an outage must still be refused with 503
 * (docs/protocol.md), and a reconnect storm of thousands costs one ping, not one each.
 */
export function sharedCheck(check: () => Promise<void>, freshMs: number, now: () => number = () => performance.now()): () => Promise<void> {
  let okAt = -Infinity;
  let running: Promise<void> | null = null;
  return () => {
    if (now() - okAt < freshMs) return Promise.resolve();
    running ??= check()
      .then(() => {
        okAt = now();
      })
      .finally(() => {
        running = null;
      });
    return running;
  };
}
