/**
 * Throttle counters shared by every instance: a fixed window per key in Redis (INCR, with the
 * expiry set on the first hit). While Redis is unreachable each instance counts on its own in
 * memory, so throttles keep working (per instance) rather than failing open or locking everyone out.
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

export function createRedisRateLimiter(redis: Redis, prefix: string, fallback: RateLimiter = createMemoryRateLimiter()): RateLimiter {
  const key = (k: string) => `${prefix}rl:${k}`;
  const ready = () => redis.status === 'ready';
  const result = (count: number, limit: number, ttl: number, inclusive: boolean): RateLimitResult =>
    (inclusive ? count <= limit : count < limit) ? { allowed: true, retryAfterMs: 0 } : { allowed: false, retryAfterMs: Math.max(ttl, 1) };

  return {
    async hit(k, limit, windowMs) {
      if (!ready()) return fallback.hit(k, limit, windowMs);
      try {
        const [count, ttl] = (await redis.eval(HIT, 1, key(k), windowMs)) as [number, number];
        return result(count, limit, ttl, true);
      } catch {
        return fallback.hit(k, limit, windowMs);
      }
    },
    async check(k, limit) {
      if (!ready()) return fallback.check(k, limit);
      try {
        const res = await redis.multi().get(key(k)).pttl(key(k)).exec();
        const count = Number(res?.[0]?.[1] ?? 0);
        const ttl = Number(res?.[1]?.[1] ?? 0);
        return result(count, limit, ttl, false);
      } catch {
        return fallback.check(k, limit);
      }
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
