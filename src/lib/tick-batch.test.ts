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
    }, { maxBatch: 4, maxInFlight: 4 });
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

  it('holds keys asked while maxInFlight loads are out, and loads them together when one returns', async () => {
    const loads: number[][] = [];
    const gates: (() => void)[] = [];
    const get = tickBatcher<number, number>(
      (keys) => {
        loads.push(keys);
        return new Promise((resolve) => gates.push(() => resolve(new Map(keys.map((k) => [k, -k])))));
      },
      { maxInFlight: 1 },
    );
    const first = get(1);
    await new Promise((r) => setImmediate(r));
    expect(loads).toEqual([[1]]);
    // Asked in three later turns while the first load is out: they wait, then go as one.
    const later: Promise<number | undefined>[] = [];
    for (const k of [2, 3, 2]) {
      later.push(get(k));
      await new Promise((r) => setImmediate(r));
    }
    expect(loads).toEqual([[1]]);
    gates.shift()!();
    expect(await first).toBe(-1);
    await new Promise((r) => setImmediate(r));
    expect(loads).toEqual([[1], [2, 3]]);
    gates.shift()!();
    expect(await Promise.all(later)).toEqual([-2, -3, -2]);
    // Nothing out: the next key goes at the end of its own turn.
    const alone = get(4);
    await new Promise((r) => setImmediate(r));
    expect(loads).toHaveLength(3);
    gates.shift()!();
    expect(await alone).toBe(-4);
  });

  it('a failed load lets the waiting keys go', async () => {
    let calls = 0;
    let failFirst!: (err: Error) => void;
    const get = tickBatcher<string, string>(
      (keys) => {
        calls++;
        if (calls === 1) return new Promise((_, reject) => (failFirst = reject));
        return Promise.resolve(new Map(keys.map((k) => [k, k])));
      },
      { maxInFlight: 1 },
    );
    const first = get('a');
    await new Promise((r) => setImmediate(r));
    const waiting = get('b');
    failFirst(new Error('database down'));
    await expect(first).rejects.toThrow('database down');
    expect(await waiting).toBe('b');
  });
});
