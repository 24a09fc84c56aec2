import { describe, expect, it } from 'vitest';
import { singleFlight } from './single-flight.js';

describe('singleFlight', () => {
  it('shares one call among concurrent callers with the same key, and calls again once it settled', async () => {
    let calls = 0;
    const release: (() => void)[] = [];
    const read = singleFlight(
      (n: number) => String(n),
      (n: number) =>
        new Promise<number>((resolve) => {
          calls++;
          release.push(() => resolve(n * 10));
        }),
    );
    const a = read(1);
    const b = read(1);
    const c = read(2);
    expect(calls).toBe(2);
    expect(a).toBe(b);
    for (const r of release.splice(0)) r();
    expect(await Promise.all([a, b, c])).toEqual([10, 10, 20]);
    const d = read(1);
    expect(calls).toBe(3);
    for (const r of release.splice(0)) r();
    expect(await d).toBe(10);
  });

  it('shares a failure with the callers of that flight only', async () => {
    let calls = 0;
    const read = singleFlight(
      () => 'k',
      async () => {
        calls++;
        if (calls === 1) throw new Error('down');
        return 'ok';
      },
    );
    const [a, b] = await Promise.allSettled([read(undefined), read(undefined)]);
    expect(a.status).toBe('rejected');
    expect(b.status).toBe('rejected');
    expect(calls).toBe(1);
    await expect(read(undefined)).resolves.toBe('ok');
  });
});
