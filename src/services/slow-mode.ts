/**
 * Slow mode: in a room with `slowModeSec > 0`, a member (owners and moderators are exempt,
 * room-access.ts `isRoomStaff`) stores at most one message per `slowModeSec`. The message writer
 * asks `admit` before a send enters its lanes.
 *
 * Invariants:
 * - Rooms without slow mode cost nothing per send once their setting is cached: `admit` answers
 *   null synchronously, so the send is queued in the same turn (order of sends is kept).
 * - The cache is per instance and short-lived (CACHE_MS); every instance forgets a room the moment
 *   its settings change (the `room` event reaches every hub, which calls `roomChanged`).
 * - The slot is counted in the shared limiter (Redis with REDIS_URL, so it holds across instances;
 *   memory otherwise) as a one-hit window of `slowModeSec`. It is reserved before the send is
 *   queued and given back when the send stored nothing new (refused, failed, or a retry of a
 *   clientMsgId already stored), so only a stored message uses the slot.
 * - A retry of a message already stored is never refused: it gets its original from the writer.
 */
import { errors } from '../lib/errors.js';
import type { RateLimiter } from '../lib/rate-limiter.js';
import type { Room } from '../protocol.js';
import type { MessagesRepository } from '../repositories/messages-repository.js';
import type { RoomsRepository } from '../repositories/rooms-repository.js';
import { isRoomStaff } from './room-access.js';

/** How long a room's slow-mode setting is trusted without reading it again. */
export const SLOW_MODE_CACHE_MS = 10_000;
/** Rooms whose setting is cached at most (oldest dropped first). */
const CACHE_MAX = 10_000;

export interface SlowModeDeps {
  rooms: Pick<RoomsRepository, 'access'>;
  messages: Pick<MessagesRepository, 'findByClientIds'>;
  limiter: RateLimiter;
  now?: () => number;
}

/** What a send must give back if it stored nothing new. */
export type GiveBack = () => void;

export class SlowMode {
  private readonly cache = new Map<string, { sec: number; until: number }>();
  private readonly now: () => number;

  constructor(private readonly deps: SlowModeDeps) {
    this.now = deps.now ?? Date.now;
  }

  /**
   * null: admitted at once (no slow mode here, as far as the fresh cache knows). Otherwise a
   * promise: rejects with RATE_LIMITED (retryAfterMs) when the member's slot is taken, else
   * resolves with what to give back when the send stores nothing new.
   */
  admit(input: { roomId: string; author: { id: string }; clientMsgId: string }): Promise<GiveBack | undefined> | null {
    const cached = this.cache.get(input.roomId);
    if (cached && cached.until > this.now() && cached.sec === 0) return null;
    return this.check(input);
  }

  /** The room's settings changed (or it is gone): read them again on the next send. */
  roomChanged(roomId: string, room: Room | null): void {
    this.cache.delete(roomId);
    if (room) this.remember(roomId, room.slowModeSec);
  }

  private remember(roomId: string, sec: number): void {
    this.cache.delete(roomId);
    if (this.cache.size >= CACHE_MAX) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(roomId, { sec, until: this.now() + SLOW_MODE_CACHE_MS });
  }

  private async check(input: { roomId: string; author: { id: string }; clientMsgId: string }): Promise<GiveBack | undefined> {
    const access = await this.deps.rooms.access(input.roomId, input.author.id);
    // Not found or not a member: the writer refuses it with the right error.
    if (!access) return undefined;
    const sec = access.room.slowModeSec;
    this.remember(input.roomId, sec);
    if (sec === 0 || !access.role || isRoomStaff(access.role)) return undefined;
    const key = `slow:${input.roomId}:${input.author.id}`;
    const slot = await this.deps.limiter.reserve([{ key, limit: 1 }], sec * 1000);
    if (slot.allowed) return () => void this.deps.limiter.release([key]).catch(() => undefined);
    const [original] = await this.deps.messages.findByClientIds([{ authorId: input.author.id, clientMsgId: input.clientMsgId }]);
    if (original?.roomId === input.roomId) return undefined;
    throw errors.rateLimited(slot.retryAfterMs, `Slow mode is on: one message every ${sec} s`);
  }
}
