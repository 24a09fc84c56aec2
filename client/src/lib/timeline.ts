import type { Message } from './wire';

/**
 * Merges messages into a list sorted by seq without duplicates. Existing objects are kept (so
 * rows that did not change do not re-render); the common cases (append, prepend) skip the sort.
 */
export function mergeMessages(existing: readonly Message[], incoming: readonly Message[]): Message[] {
  if (incoming.length === 0) return existing as Message[];
  const sorted = isSorted(incoming) ? incoming : [...incoming].sort((a, b) => a.seq - b.seq);
  if (existing.length === 0) return dedupeSorted(sorted);
  const first = existing[0]!.seq;
  const last = existing[existing.length - 1]!.seq;
  if (sorted[0]!.seq > last) return [...existing, ...dedupeSorted(sorted)];
  if (sorted[sorted.length - 1]!.seq < first) return [...dedupeSorted(sorted), ...existing];
  const out: Message[] = [];
  let i = 0;
  let j = 0;
  let changed = false;
  while (i < existing.length || j < sorted.length) {
    const a = existing[i];
    const b = sorted[j];
    if (b === undefined || (a !== undefined && a.seq < b.seq)) {
      out.push(a!);
      i++;
    } else if (a === undefined || b.seq < a.seq) {
      if (out.length === 0 || out[out.length - 1]!.seq !== b.seq) {
        out.push(b);
        changed = true;
      }
      j++;
    } else {
      out.push(a);
      i++;
      j++;
    }
  }
  return changed ? out : (existing as Message[]);
}

function isSorted(list: readonly Message[]): boolean {
  for (let k = 1; k < list.length; k++) if (list[k - 1]!.seq > list[k]!.seq) return false;
  return true;
}

function dedupeSorted(list: readonly Message[]): Message[] {
  const out: Message[] = [];
  for (const m of list) if (out.length === 0 || out[out.length - 1]!.seq !== m.seq) out.push(m);
  return out;
}

/** The highest seq held, or null. */
export function lastSeqOf(list: readonly Message[]): number | null {
  return list.length === 0 ? null : list[list.length - 1]!.seq;
}
