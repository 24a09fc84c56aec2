/**
 * UUID version 7 (RFC 9562): 48 bits of Unix time in milliseconds, then 74 random bits. Message ids
 * are these: unguessable and not counting (nothing about how many messages exist elsewhere), yet
 * time-ordered, so inserts land at the end of the primary key index. The time part says no more
 * than the message's createdAt, which every reader sees anyway.
 */
import { randomFillSync } from 'node:crypto';

const POOL_IDS = 256;
/** Random bytes for POOL_IDS ids at a time (one getrandom call instead of one per id). */
const pool = Buffer.alloc(POOL_IDS * 10);
let used = POOL_IDS;

export function uuidv7(now: number = Date.now()): string {
  if (used === POOL_IDS) {
    randomFillSync(pool);
    used = 0;
  }
  const r = pool.subarray(used * 10, used * 10 + 10);
  used++;
  const bytes = Buffer.allocUnsafe(16);
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = 0x70 | (r[0]! & 0x0f); // version 7
  bytes[7] = r[1]!;
  bytes[8] = 0x80 | (r[2]! & 0x3f); // variant 10
  r.copy(bytes, 9, 3, 10);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The millisecond timestamp a UUIDv7 carries. */
export function uuidv7Time(id: string): number {
  return parseInt(id.replace(/-/g, '').slice(0, 12), 16);
}
