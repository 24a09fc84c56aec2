/**
 * Throttle counters shared by every instance: a fixed window per key in Redis (INCR, with the
 * expiry set on the first hit), each operation one Lua script so it is atomic across instances.
 * While Redis is unreachable each instance counts on its own in memory, so throttles keep working
 * (per instance) rather than failing open or locking everyone out.
 */
import type { Redis } from 'ioredis';
import { createMemoryRateLimiter, type RateLimiter, type RateLimitResult } from './rate-limiter.js';

const HIT = `
local n = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {n, ttl}`;

/** All-or-none reservation: KEYS are counters, ARGV[1] the window, ARGV[i + 1] the limit of KEYS[i]. */
const RESERVE = `
for i, k in ipairs(KEYS) do
  if tonumber(redis.call('GET', k) or '0') >= tonumber(ARGV[i + 1]) then
    return {0, redis.call('PTTL', k)}
  end
end
for _, k in ipairs(KEYS) do
  redis.call('INCR', k)
  if redis.call('PTTL', k) < 0 then redis.call('PEXPIRE', k, ARGV[1]) end
end
return {1, 0}`;

const RELEASE = `
for _, k in ipairs(KEYS) do
  if tonumber(redis.call('GET', k) or '0') > 0 then redis.call('DECR', k) end
end
return 0`;

export function createRedisRateLimiter(redis: Redis, prefix: string, fallback: RateLimiter = createMemoryRateLimiter()): RateLimiter {
  const key = (k: string) => `${prefix}rl:${k}`;
  const ready = () => redis.status === 'ready';
  const result = (allowed: boolean, ttl: number): RateLimitResult => (allowed ? { allowed, retryAfterMs: 0 } : { allowed, retryAfterMs: Math.max(ttl, 1) });

  return {
    async hit(k, limit, windowMs) {
      if (!ready()) return fallback.hit(k, limit, windowMs);
      try {
        const [count, ttl] = (await redis.eval(HIT, 1, key(k), windowMs)) as [number, number];
        return result(count <= limit, ttl);
      } catch {
        return fallback.hit(k, limit, windowMs);
      }
    },
    async reserve(entries, windowMs) {
      if (!ready()) return fallback.reserve(entries, windowMs);
      try {
        const keys = entries.map((e) => key(e.key));
        const [ok, ttl] = (await redis.eval(RESERVE, keys.length, ...keys, windowMs, ...entries.map((e) => e.limit))) as [number, number];
        return result(ok === 1, ttl);
      } catch {
        return fallback.reserve(entries, windowMs);
      }
    },
    // Gives back where reservations are being made now (a reservation taken during an outage and
    // released after it comes back is forgotten either way when its window ends).
    async release(keys) {
      if (keys.length === 0) return;
      if (!ready()) return fallback.release(keys);
      await redis.eval(RELEASE, keys.length, ...keys.map(key)).catch(() => fallback.release(keys));
    },
    async reset(k) {
      await fallback.reset(k);
      if (!ready()) return;
      await redis.del(key(k)).catch(() => undefined);
    },
    close() {
      fallback.close();
    },
  };
}
