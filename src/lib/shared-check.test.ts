import { describe, expect, it } from 'vitest';
import { sharedCheck } from './shared-check.js';

describe('sharedCheck', () => {
  it('runs one check for callers at once, trusts a success for a while, and retries after a failure', async () => {
    let t = 0;
    let runs = 0;
    let fail = false;
    const check = sharedCheck(async () => {
      runs++;
      await new Promise((r) => setTimeout(r, 5));
      if (fail) throw new Error('down');
    }, 1000, () => t);
    await Promise.all([check(), check(), check()]);
    expect(runs).toBe(1);
    t = 999;
    await check();
    expect(runs).toBe(1); // still fresh
    t = 1000;
    fail = true;
    await expect(Promise.all([check(), check()])).rejects.toThrow('down');
    expect(runs).toBe(2);
    await expect(check()).rejects.toThrow('down'); // a failure is not remembered as a success
    expect(runs).toBe(3);
  });
});
