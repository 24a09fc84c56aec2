import { describe, expect, it } from 'vitest';
import { uuidv7, uuidv7Time } from './uuid-v7.js';

describe('uuidv7', () => {
  it('has version 7 and variant 10, carries the time, and does not repeat', () => {
    const at = Date.parse('2026-12-01T08:00:00.123Z');
    const ids = Array.from({ length: 2000 }, () => uuidv7(at));
    for (const id of ids.slice(0, 50)) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(uuidv7Time(ids[0]!)).toBe(at);
    expect(new Set(ids).size).toBe(ids.length);
    // Later ids sort after earlier ones (index locality).
    expect(uuidv7(at + 1) > uuidv7(at)).toBe(true);
  });
});
