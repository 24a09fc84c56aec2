import { afterEach, describe, expect, it, vi } from 'vitest';
import { PRESENCE_BATCH_MS, PresenceBatch } from './presence-batch.js';

describe('PresenceBatch', () => {
  afterEach(() => vi.useRealTimers());

  it('sends the changes of one window together, the newest state per user, ordered by last change', () => {
    vi.useFakeTimers();
    const sent: [string, string, boolean][] = [];
    const batch = new PresenceBatch((r, u, online) => sent.push([r, u, online]));
    batch.add('r1', 'a', true);
    batch.add('r1', 'b', true);
    batch.add('r2', 'a', true);
    batch.add('r1', 'a', false); // a left r1 again within the window
    vi.advanceTimersByTime(PRESENCE_BATCH_MS - 1);
    expect(sent).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(sent).toEqual([
      ['r1', 'b', true],
      ['r1', 'a', false],
      ['r2', 'a', true],
    ]);
    batch.add('r1', 'c', true); // a new window
    vi.advanceTimersByTime(PRESENCE_BATCH_MS);
    expect(sent.at(-1)).toEqual(['r1', 'c', true]);
    expect(sent).toHaveLength(4);
  });

  it('close drops what is pending and stops the timer', () => {
    vi.useFakeTimers();
    const sent: unknown[] = [];
    const batch = new PresenceBatch(() => sent.push(1));
    batch.add('r', 'a', true);
    batch.close();
    vi.advanceTimersByTime(PRESENCE_BATCH_MS * 2);
    expect(sent).toEqual([]);
  });
});
