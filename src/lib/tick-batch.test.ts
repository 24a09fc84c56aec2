import { describe, expect, it } from 'vitest';
import { tickBatcher } from './tick-batch.js';

describe('tickBatcher', () => {
  it('loads the keys of one turn once, each key once, and answers every caller', async () => {
    const loads: string[][] = [];
    const get = tickBatcher<string, number>(async (keys) => {
      loads.push(keys);
      return new Map(keys.filter((k) => k !== 'none').map((k) => [k, k.length]));
    });
    const answers = await Promise.all([get('a'), get('bb'), get('a'), get('none')]);
    expect(answers).toEqual([1, 2, 1, undefined]);
    expect(loads).toEqual([['a', 'bb', 'none']]);
    expect(await get('ccc')).toBe(3); // a later turn: its own load
    expect(loads).toHaveLength(2);
  });

  it('splits a large turn into loads of at most maxBatch keys', async () => {
    const sizes: number[] = [];
    const get = tickBatcher<number, number>(async (keys) => {
      sizes.push(keys.length);
      return new Map(keys.map((k) => [k, k * 2]));
    }, 4);
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => get(i)));
    expect(answers).toEqual(Array.from({ length: 10 }, (_, i) => i * 2));
    expect(sizes).toEqual([4, 4, 2]);
  });

  it('rejects every caller of a failed load, and the next turn loads again', async () => {
    let fail = true;
    const get = tickBatcher<string, string>(async (keys) => {
      if (fail) throw new Error('database down');
      return new Map(keys.map((k) => [k, k]));
    });
    const results = await Promise.allSettled([get('x'), get('y'), get('x')]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    fail = false;
    expect(await get('x')).toBe('x');
  });
});
