/**
 * The configuration of the session cache and of last-seen tracking (services/session-cache.ts,
 * services/session-activity.ts). Parsed apart from config.ts, which passes its number reader in.
 */
type IntReader = (name: string, fallback: number, min: number, max: number) => number;

export interface SessionsConfig {
  /** Sessions kept in memory per instance (least recently used go first); 0 turns the cache off. */
  cacheSize: number;
  /** Longest time a cached session is trusted without reading it again. */
  cacheTtlMs: number;
  /** How often remembered session activity is written to sessions.last_seen_at (one statement per flush). */
  lastSeenFlushMs: number;
}

export function parseSessionsConfig(int: IntReader): SessionsConfig {
  return {
    cacheSize: int('SESSION_CACHE_SIZE', 10_000, 0, 10_000_000),
    cacheTtlMs: int('SESSION_CACHE_TTL_MS', 60_000, 1000, 3_600_000),
    lastSeenFlushMs: int('SESSION_LAST_SEEN_FLUSH_MS', 300_000, 1000, 86_400_000),
  };
}
