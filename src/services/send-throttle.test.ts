import { describe, expect, it } from 'vitest';
import { SendThrottle, TieredSendThrottle } from './send-throttle.js';

describe('SendThrottle', () => {
  it('gives each user one bucket: burst, then the rate', () => {
    let now = 0;
    const throttle = new SendThrottle(2, 3, () => now);
    expect([1, 2, 3].map(() => throttle.take('a'))).toEqual([0, 0, 0]);
    expect(throttle.take('a')).toBe(500);
    expect(throttle.take('b')).toBe(0); // another user is not affected
    now = 500;
    expect(throttle.take('a')).toBe(0);
    expect(throttle.take('a')).toBeGreaterThan(0);
  });

  it('forgets a bucket once it would be full again, each entry on its own', () => {
    let now = 0;
    const throttle = new SendThrottle(10, 20, () => now); // full again 2 s after its last use
    throttle.take('early');
    now = 1500;
    throttle.take('late');
    expect(throttle.size).toBe(2);
    now = 2000;
    throttle.take('other');
    expect(throttle.size).toBe(2); // 'early' expired, 'late' not yet
    now = 3600;
    throttle.take('other');
    expect(throttle.size).toBe(1);
  });
});

describe('TieredSendThrottle', () => {
  it('puts guests on their own, smaller buckets; an upgraded user starts on a full one', () => {
    const now = 0;
    const throttle = new TieredSendThrottle({ full: new SendThrottle(10, 4, () => now), guest: new SendThrottle(1, 2, () => now) });
    const guest = { id: 'g', isGuest: true };
    expect([1, 2].map(() => throttle.take(guest))).toEqual([0, 0]);
    expect(throttle.take(guest)).toBe(1000);
    expect([1, 2, 3, 4].map(() => throttle.take({ id: 'f', isGuest: false }))).toEqual([0, 0, 0, 0]);
    expect(throttle.take({ id: 'g', isGuest: false })).toBe(0);
  });
});
