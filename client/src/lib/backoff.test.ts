import { describe, expect, it } from 'vitest';
import { Backoff, BACKOFF_BASE_MS, BACKOFF_CAP_MS, fullJitter } from './backoff';

describe('fullJitter', () => {
  it('stays within [0, min(cap, base * 2^attempt))', () => {
    expect(fullJitter(0, { random: () => 0 })).toBe(0);
    expect(fullJitter(0, { random: () => 0.999999 })).toBe(BACKOFF_BASE_MS - 1);
    expect(fullJitter(3, { random: () => 0.5 })).toBe(BACKOFF_BASE_MS * 4);
    expect(fullJitter(50, { random: () => 0.999999 })).toBe(BACKOFF_CAP_MS - 1);
  });

  it('spreads delays over the whole window (full jitter, not equal jitter)', () => {
    const samples = Array.from({ length: 2000 }, () => fullJitter(4));
    const ceiling = BACKOFF_BASE_MS * 16;
    expect(Math.min(...samples)).toBeLessThan(ceiling * 0.1);
    expect(Math.max(...samples)).toBeGreaterThan(ceiling * 0.9);
    expect(samples.every((d) => d >= 0 && d < ceiling)).toBe(true);
  });
});

describe('Backoff', () => {
  it('grows the ceiling with each attempt and resets after success', () => {
    const b = new Backoff({ baseMs: 100, capMs: 1000, random: () => 0.999 });
    expect([b.next(), b.next(), b.next(), b.next(), b.next()]).toEqual([99, 199, 399, 799, 999]);
    expect(b.next()).toBe(999);
    expect(b.attempts).toBe(6);
    b.reset();
    expect(b.attempts).toBe(0);
    expect(b.next()).toBe(99);
  });
});
