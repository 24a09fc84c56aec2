import { describe, expect, it } from 'vitest';
import { SessionCache, type CachedSession } from './session-cache.js';

const user = (id: string) => ({ id, username: id, displayName: null, avatarUrl: null, isGuest: false, createdAt: '2026-01-01T00:00:00.000Z' });
const session = (sessionId: string, userId = 'u1', expiresAt = 1e15): CachedSession => ({ sessionId, user: user(userId), expiresAt });

function setup(opts: { maxEntries?: number; ttlMs?: number } = {}) {
  let now = 1000;
  let usable = true;
  const cache = new SessionCache({ maxEntries: opts.maxEntries ?? 10, ttlMs: opts.ttlMs ?? 100, now: () => now, usable: () => usable });
  return { cache, tick: (ms: number) => (now += ms), setUsable: (v: boolean) => (usable = v) };
}

describe('SessionCache', () => {
  it('answers from memory within the TTL and never past the session expiry', () => {
    const { cache, tick } = setup();
    cache.set(session('s1'), cache.generation);
    cache.set(session('s2', 'u1', 1050), cache.generation);
    expect(cache.get('s1')?.sessionId).toBe('s1');
    tick(60);
    expect(cache.get('s2')).toBeUndefined();
    tick(40);
    expect(cache.get('s1')).toBeUndefined();
  });

  it('does not cache what a lookup read before an eviction', () => {
    const { cache } = setup();
    const before = cache.generation;
    cache.evictSessions(['s1']); // a logout lands while the lookup is in flight
    cache.set(session('s1'), before);
    expect(cache.get('s1')).toBeUndefined();
  });

  it('evicts by session and by user, and is bypassed while not usable', () => {
    const { cache, setUsable } = setup();
    cache.set(session('s1', 'u1'), cache.generation);
    cache.set(session('s2', 'u1'), cache.generation);
    cache.set(session('s3', 'u2'), cache.generation);
    cache.evictUser('u1');
    expect(cache.get('s1')).toBeUndefined();
    expect(cache.get('s2')).toBeUndefined();
    expect(cache.get('s3')).toBeDefined();
    setUsable(false);
    expect(cache.get('s3')).toBeUndefined();
    cache.set(session('s4', 'u3'), cache.generation);
    setUsable(true);
    expect(cache.get('s4')).toBeUndefined();
    cache.clear();
    expect(cache.get('s3')).toBeUndefined();
  });

  it('keeps at most maxEntries, dropping the least recently used', () => {
    const { cache } = setup({ maxEntries: 2 });
    cache.set(session('s1'), cache.generation);
    cache.set(session('s2'), cache.generation);
    cache.get('s1');
    cache.set(session('s3'), cache.generation);
    expect(cache.size).toBe(2);
    expect(cache.get('s2')).toBeUndefined();
    expect(cache.get('s1')).toBeDefined();
    expect(cache.get('s3')).toBeDefined();
  });

  it('caches nothing when its size is 0', () => {
    const { cache } = setup({ maxEntries: 0 });
    cache.set(session('s1'), cache.generation);
    expect(cache.get('s1')).toBeUndefined();
  });
});
