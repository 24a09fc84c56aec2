/**
 * Counters for throttles (login failures, invite attempts, registrations): a fixed window per key,
 * kept in memory. The interface is async so a shared store (Redis) can stand in for several
 * instances without touching the callers.
 */
export interface RateLimitResult {
  allowed: boolean;
  /** How long until the window frees up (0 when allowed). */
  retryAfterMs: number;
}

export interface RateLimiter {
  /** Counts one hit and tells whether it is within the limit. */
  hit(key: string, limit: number, windowMs: number): Promise<RateLimitResult>;
  /** Tells whether the key is already over the limit, without counting. */
  check(key: string, limit: number): Promise<RateLimitResult>;
  reset(key: string): Promise<void>;
  close(): void;
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
    async check(key, limit) {
      const w = current(key);
      return !w || w.count < limit ? { allowed: true, retryAfterMs: 0 } : { allowed: false, retryAfterMs: w.resetAt - now() };
    },
    async reset(key) {
      windows.delete(key);
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
