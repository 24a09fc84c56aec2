import { singleFlight } from './single-flight.js';

/**
 * A check shared by everyone who needs it at once: at most one runs at a time, and a success is
 * trusted for `freshMs`. The WebSocket upgrade uses it for "does the database answer?": a session
 * from the cache needs no query, yet an upgrade during an outage must still be refused with 503
 * (docs/protocol.md), and a reconnect storm of thousands costs one ping, not one each.
 */
export function sharedCheck(check: () => Promise<void>, freshMs: number, now: () => number = () => performance.now()): () => Promise<void> {
  let okAt = -Infinity;
  const run = singleFlight(
    () => 'check',
    () =>
      check().then(() => {
        okAt = now();
      }),
  );
  return () => (now() - okAt < freshMs ? Promise.resolve() : run(undefined));
}
