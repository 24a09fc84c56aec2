/**
 * Counters for throttles (login failures, invite attempts, registrations, room creation): a fixed
 * window per key, kept in memory. There is deliberately no "check without counting": a check made
 * before slow work lets concurrent requests all pass it (issue 9); `hit` and `reserve` count first.
 * The interface is async so a shared store (Redis) can stand in for several instances without
 * touching the callers.
 *
 * Why not @fastify/rate-limit for the HTTP throttles: it counts requests in a hook, before the
 * handler knows what to count, and cannot give a hit back. Failed logins are reserved before the
 * password check and refunded on success, keyed by account, (account, IP) pair or device; room
 * creation refunds refused names; invite attempts count user and address together, all or none.
 * Registration per IP alone would fit the plugin, but a second counter store (its own Redis
 * client, its own outage behaviour) beside this one would only duplicate it.
 */
export interface RateLimitResult {
  allowed: boolean;
  /** How long until the window frees up (0 when allowed). */
  retryAfterMs: number;
}

export interface RateLimiter {
  /** Counts one hit and tells whether it is within the limit. */
  hit(key: string, limit: number, windowMs: number): Promise<RateLimitResult>;
  reset(key: string): Promise<void>;
  /**
   * Counts one hit on every key, all or none, in one atomic step: refused (and nothing counted)
   * when any key is already at its limit. Callers that must not let concurrent requests slip past
   * a check (failed logins) reserve before the expensive work and `release` what turned out fine.
   */
  reserve(entries: readonly LimitEntry[], windowMs: number): Promise<RateLimitResult>;
  /** Gives back one reserved hit per key (never below zero; the window keeps its expiry). */
  release(keys: readonly string[]): Promise<void>;
  close(): void;
}

export interface LimitEntry {
  key: string;
  limit: number;
}

interface Window {
  count: number;
  resetAt: number;
}

export function createMemoryRateLimiter(now: () => number = Date.now): RateLimiter {
  const windows = new Map<string, Window>();
  const sweep = setInterval(() => {
    const t = now();
    for (const [key, w] of windows) if (w.resetAt <= t) windows.delete(key);
  }, 60_000);
  sweep.unref();

  const current = (key: string): Window | undefined => {
    const w = windows.get(key);
    if (w && w.resetAt <= now()) {
      windows.delete(key);
      return undefined;
    }
    return w;
  };

  return {
    async hit(key, limit, windowMs) {
      let w = current(key);
      if (!w) {
        w = { count: 0, resetAt: now() + windowMs };
        windows.set(key, w);
      }
      w.count++;
      return w.count <= limit ? { allowed: true, retryAfterMs: 0 } : { allowed: false, retryAfterMs: w.resetAt - now() };
    },
    async reset(key) {
      windows.delete(key);
    },
    // Synchronous inside: no other request can run between the checks and the increments.
    async reserve(entries, windowMs) {
      for (const { key, limit } of entries) {
        const w = current(key);
        if (w && w.count >= limit) return { allowed: false, retryAfterMs: w.resetAt - now() };
      }
      for (const { key } of entries) {
        const w = current(key) ?? { count: 0, resetAt: now() + windowMs };
        w.count++;
        windows.set(key, w);
      }
      return { allowed: true, retryAfterMs: 0 };
    },
    async release(keys) {
      for (const key of keys) {
        const w = current(key);
        if (w && w.count > 0) w.count--;
      }
    },
    close() {
      clearInterval(sweep);
    },
  };
}

/** Per-connection token bucket: `rate` tokens per second, holding at most `burst`. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = burst;
    this.last = now();
  }

  /** Takes a token; returns 0 when allowed, else the milliseconds until one is available. */
  take(): number {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.rate);
    this.last = t;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.tokens) / this.rate) * 1000);
  }
}
