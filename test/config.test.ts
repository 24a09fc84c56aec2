/** Configuration checks at start (issue 9 item 18): weak session secrets are refused. */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

const load = (secret: string) => () => loadConfig({ SESSION_SECRET: secret, DATA_DIR: '/nonexistent-rtchat-config-test' });

describe('SESSION_SECRET', () => {
  it('refuses blank, repeated and low-entropy secrets of any length', () => {
    for (const weak of [' '.repeat(32), ' '.repeat(64), 'x'.repeat(40), 'passwordpasswordpasswordpassword', 'ab'.repeat(20)]) {
      expect(load(weak), JSON.stringify(weak)).toThrow(ConfigError);
      expect(load(weak)).toThrow(/SESSION_SECRET is too predictable/);
    }
    expect(load('short')).toThrow(/at least 32 characters/);
  });

  it('accepts random secrets, hex ones included', () => {
    for (const strong of ['fe09d052bc8f4311bb16e39650de0407', 'oUfkPCoGnfkrv48X/uwT8Q+rfASHsdfW', 'test-secret-test-secret-test-secret-0123']) {
      expect(loadConfig({ SESSION_SECRET: strong, DATA_DIR: '/nonexistent-rtchat-config-test' }).sessionSecret).toBe(strong);
    }
  });
});

describe('session cache and last-seen settings', () => {
  const base = { SESSION_SECRET: 'test-secret-test-secret-test-secret-0123', DATA_DIR: '/nonexistent-rtchat-config-test' };
  it('have defaults, and every bad value is listed at once', () => {
    expect(loadConfig(base).sessions).toEqual({ cacheSize: 10_000, cacheTtlMs: 60_000, lastSeenFlushMs: 300_000 });
    expect(loadConfig({ ...base, SESSION_CACHE_SIZE: '0' }).sessions.cacheSize).toBe(0);
    try {
      loadConfig({ ...base, SESSION_CACHE_SIZE: '-1', SESSION_CACHE_TTL_MS: 'soon', SESSION_LAST_SEEN_FLUSH_MS: '10' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const names = (err as ConfigError).problems.join('\n');
      for (const name of ['SESSION_CACHE_SIZE', 'SESSION_CACHE_TTL_MS', 'SESSION_LAST_SEEN_FLUSH_MS']) expect(names).toContain(name);
    }
  });
});

describe('guest settings', () => {
  const env = { SESSION_SECRET: 'fe09d052bc8f4311bb16e39650de0407', DATA_DIR: '/nonexistent-rtchat-config-test' };
  it('defaults to 10 guests per IP per hour, 2/s bursts of 5, removal after 30 idle days', () => {
    const config = loadConfig(env);
    expect(config.limits).toMatchObject({ guestCreatePerHour: 10, guestSendRatePerSec: 2, guestSendBurst: 5 });
    expect(config.guestTtlMs).toBe(30 * 86_400_000);
  });

  it('lists every bad guest variable at once', () => {
    try {
      loadConfig({ ...env, GUEST_CREATE_PER_HOUR: '0', GUEST_SEND_RATE_PER_SEC: 'fast', GUEST_SEND_BURST: '-1', GUEST_TTL_DAYS: '0' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const names = (err as ConfigError).problems.map((p) => p.split(' ')[0]);
      expect(names).toEqual(['GUEST_CREATE_PER_HOUR', 'GUEST_SEND_RATE_PER_SEC', 'GUEST_SEND_BURST', 'GUEST_TTL_DAYS']);
    }
  });
});
