import type { StorageLike } from './outbox';

/**
 * How often the user picked each emoji (in localStorage), so their frequent ones come first in
 * the picker and the quick-reaction row. Small (at most MAX_TRACKED entries) and best effort.
 */

const KEY = 'rtchat.emoji.frequent';
const MAX_TRACKED = 32;

type Counts = Record<string, number>;

function storage(): StorageLike | undefined {
  try {
    return typeof localStorage === 'undefined' ? undefined : localStorage;
  } catch {
    return undefined;
  }
}

function read(store: StorageLike | undefined): Counts {
  try {
    const raw = store?.getItem(KEY);
    const parsed: unknown = raw ? JSON.parse(raw) : {};
    if (!parsed || typeof parsed !== 'object') return {};
    const out: Counts = {};
    for (const [k, v] of Object.entries(parsed)) if (typeof v === 'number' && v > 0) out[k] = v;
    return out;
  } catch {
    return {};
  }
}

/** The user's emoji by use, most used first, then the defaults, without duplicates. */
export function frequentEmoji(defaults: readonly string[], limit: number, store = storage()): string[] {
  const counts = read(store);
  const used = Object.keys(counts).sort((a, b) => counts[b]! - counts[a]!);
  return [...new Set([...used, ...defaults])].slice(0, limit);
}

export function recordEmoji(emoji: string, store = storage()): void {
  const counts = read(store);
  counts[emoji] = (counts[emoji] ?? 0) + 1;
  const kept = Object.entries(counts)
    .sort((a, b) => b[1] - a[1])
    .slice(0, MAX_TRACKED);
  try {
    store?.setItem(KEY, JSON.stringify(Object.fromEntries(kept)));
  } catch {
    /* storage full or blocked */
  }
}
