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
 *
 * The rule (counters per LOGIN_WINDOW_MS, fixed windows):
 * - A client without a device cookie for the account is counted three ways, and refused (429) as
 *   soon as any is full: its (account, IP) pair (LOGIN_PEER_MAX_FAILURES, default 3), the account
 *   (LOGIN_MAX_FAILURES, default 5, every address together) and its IP (LOGIN_MAX_FAILURES,
 *   across accounts). So one address is throttled on an account before it can lock it; locking it
 *   outright takes failures from several addresses. Its right password clears the pair and the
 *   account counters.
 * - A client with a valid device cookie for the account (it has logged in to it before) is
 *   counted only on that device (LOGIN_MAX_FAILURES): the account's lock, its pair and its IP do
 *   not stop it, so the owner still gets in while strangers have locked the account. Its right
 *   password clears the device counter only: it does not unlock the account for the others.
 * - Unknown logins are counted like accounts, by the lower-cased name.
 */
import type { Limits } from '../config.js';
import { errors } from './errors.js';
import type { LimitEntry, RateLimiter } from './rate-limiter.js';

export interface LoginSubject {
  /** `account:<id>` for a known account, `name:<lower-cased login>` for a login that names nobody. */
  account: string;
  /** The client address (request.ip). */
  ip: string;
  /** The id of a device cookie valid for this very account, else null. */
  device: string | null;
}

type GuardLimits = Pick<Limits, 'loginMaxFailures' | 'loginPeerMaxFailures' | 'loginWindowMs' | 'loginMaxConcurrent'>;

/** How long a client told "busy" should wait: one verification takes well under a second. */
const BUSY_RETRY_MS = 1000;

export function createLoginGuard(limiter: RateLimiter, limits: GuardLimits) {
  const inFlight = new Map<string, number>();

  /** The counters of an attempt, and those a right password clears (beyond its own reservation). */
  const counters = (who: LoginSubject): { entries: LimitEntry[]; clears: string[] } => {
    if (who.device) {
      const device = `login:device:${who.device}`;
      return { entries: [{ key: device, limit: limits.loginMaxFailures }], clears: [device] };
    }
    const pair = `login:pair:${who.account}:${who.ip}`;
    const account = `login:${who.account}`;
    return {
      entries: [
        { key: pair, limit: limits.loginPeerMaxFailures },
        { key: account, limit: limits.loginMaxFailures },
        { key: `login:ip:${who.ip}`, limit: limits.loginMaxFailures },
      ],
      clears: [pair, account],
    };
  };

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
        const { entries, clears } = counters(who);
        const reserved = await limiter.reserve(entries, limits.loginWindowMs);
        if (!reserved.allowed) throw errors.rateLimited(reserved.retryAfterMs, 'Too many failed logins');
        const ok = await verify().catch(() => false);
        if (ok) {
          await limiter.release(entries.map((e) => e.key));
          for (const key of clears) await limiter.reset(key);
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
