import { afterEach, describe, expect, it, vi } from 'vitest';
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

  describe('paced (paceMs)', () => {
    afterEach(() => {
      vi.useRealTimers();
    });
    const paced = (paceMs: number, answer: (keys: number[]) => Promise<Map<number, number>>) => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'performance'] });
      const loads: { keys: number[]; at: number }[] = [];
      const get = tickBatcher<number, number>(
        (keys) => {
          loads.push({ keys, at: performance.now() });
          return answer(keys);
        },
        { paceMs },
      );
      return { get, loads };
    };
    const doubled = async (keys: number[]) => new Map(keys.map((k) => [k, k * 2]));

    it('a key after a quiet pace goes at the end of its turn; keys asked sooner wait for the pace and go as one load', async () => {
      const { get, loads } = paced(10, doubled);
      const t0 = performance.now();
      const first = get(1);
      await vi.advanceTimersByTimeAsync(0);
      expect(loads).toEqual([{ keys: [1], at: t0 }]);
      expect(await first).toBe(2);
      // The first load has returned: later keys still wait for the pace, then share one load.
      await vi.advanceTimersByTimeAsync(2);
      const second = get(2);
      await vi.advanceTimersByTimeAsync(3);
      const third = get(3);
      const again = get(2);
      await vi.advanceTimersByTimeAsync(4);
      expect(loads).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(1);
      expect(loads.map((l) => l.keys)).toEqual([[1], [2, 3]]);
      expect(loads[1]!.at - t0).toBe(10);
      expect(await Promise.all([second, third, again])).toEqual([4, 6, 4]);
      // Quiet for longer than the pace: no wait at all.
      await vi.advanceTimersByTimeAsync(25);
      const t1 = performance.now();
      const alone = get(4);
      await vi.advanceTimersByTimeAsync(0);
      expect(loads.at(-1)).toEqual({ keys: [4], at: t1 });
      expect(await alone).toBe(8);
    });

    it('keys that waited for a load out go when it returns, if the pace allows, and else at the pace', async () => {
      const gates: (() => void)[] = [];
      const { get, loads } = paced(10, (keys) => new Promise((resolve) => gates.push(() => resolve(new Map(keys.map((k) => [k, -k]))))));
      const t0 = performance.now();
      const a = get(1);
      await vi.advanceTimersByTimeAsync(0);
      const b = get(2); // a second load may be out (maxInFlight 2), but the pace holds it
      await vi.advanceTimersByTimeAsync(10);
      expect(loads.map((l) => [l.keys, l.at - t0])).toEqual([
        [[1], 0],
        [[2], 10],
      ]);
      const c = get(3); // two loads out: it waits for one to return
      await vi.advanceTimersByTimeAsync(20);
      expect(loads).toHaveLength(2);
      gates.shift()!();
      expect(await a).toBe(-1);
      await vi.advanceTimersByTimeAsync(0);
      expect(loads.map((l) => l.keys)).toEqual([[1], [2], [3]]);
      expect(loads[2]!.at - t0).toBe(30); // the pace had long passed: at once
      for (const open of gates.splice(0)) open();
      expect(await Promise.all([b, c])).toEqual([-2, -3]);
    });
  });
});
