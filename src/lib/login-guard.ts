/**
 * The failed-login throttle around password verification.
 *
 * Invariants:
 * - An attempt is counted BEFORE its password is verified: one atomic reservation on every counter
 *   that applies (all or none, in Redis when it is shared). Requests sent together therefore cannot
 *   all pass a check made before any of them failed: at most `limit` verifications per window run,
 *   however many arrive at once, on however many instances. A right password gives its
 *   reservation back (and clears the account's counters).
 * - At most `maxConcurrent` verifications per account run at once on one instance; a request over
 *   that answers 429 at once, before anything is counted or verified.
 * - A refused attempt never reaches the password check, so refusal costs no argon2 time.
 */
import type { Limits } from '../config.js';
import { errors } from './errors.js';
import type { LimitEntry, RateLimiter } from './rate-limiter.js';

export interface LoginSubject {
  /** `account:<id>` for a known account, `name:<lower-cased login>` for a login that names nobody. */
  account: string;
  /** The client address (request.ip). */
  ip: string;
}

type GuardLimits = Pick<Limits, 'loginMaxFailures' | 'loginWindowMs' | 'loginMaxConcurrent'>;

/** How long a client told "busy" should wait: one verification takes well under a second. */
const BUSY_RETRY_MS = 1000;

export function createLoginGuard(limiter: RateLimiter, limits: GuardLimits) {
  const inFlight = new Map<string, number>();

  const counters = (who: LoginSubject): LimitEntry[] => [
    { key: `login:${who.account}`, limit: limits.loginMaxFailures },
    { key: `login:ip:${who.ip}`, limit: limits.loginMaxFailures },
  ];

  return {
    /**
     * Runs `verify` if the throttle allows it and returns its verdict; throws 429 RATE_LIMITED
     * otherwise. A throwing `verify` counts as a wrong password.
     */
    async attempt(who: LoginSubject, verify: () => Promise<boolean>): Promise<boolean> {
      const running = inFlight.get(who.account) ?? 0;
      if (running >= limits.loginMaxConcurrent) throw errors.rateLimited(BUSY_RETRY_MS, 'Too many logins in progress for this account');
      inFlight.set(who.account, running + 1);
      try {
        const entries = counters(who);
        const reserved = await limiter.reserve(entries, limits.loginWindowMs);
        if (!reserved.allowed) throw errors.rateLimited(reserved.retryAfterMs, 'Too many failed logins');
        const ok = await verify().catch(() => false);
        if (ok) {
          await limiter.release(entries.map((e) => e.key));
          await limiter.reset(entries[0]!.key);
        }
        return ok;
      } finally {
        const left = (inFlight.get(who.account) ?? 1) - 1;
        if (left > 0) inFlight.set(who.account, left);
        else inFlight.delete(who.account);
      }
    },
  };
}

export type LoginGuard = ReturnType<typeof createLoginGuard>;
