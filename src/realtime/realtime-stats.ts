/**
 * Counters of this process's real-time core, read by /metrics (services/metrics.ts) when it is
 * scraped. Plain numbers bumped on the hot path: no labels, no allocation, no lookup, so they
 * cost the same whether metrics are enabled or not. They only ever grow (Prometheus counters).
 */
export class RealtimeStats {
  /** Frames handed to a socket's writer (each subscriber of a broadcast counts once). */
  deliveries = 0;
  /** Typing, presence, member and read frames dropped for a backed-up socket. */
  droppedEphemeral = 0;
  /** Sockets closed with 4009 (too slow to keep up). */
  tooSlowCloses = 0;
}
