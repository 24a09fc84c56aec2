/**
 * The one path by which messages are stored, for WebSocket and HTTP alike.
 *
 * Group commit across rooms: rooms are partitioned over a few lanes by a hash of the room id.
 * Sends queue up in their room's lane while the lane's previous batch is being written, and the
 * whole queue (many rooms at once) is stored by the next single statement: one round trip and one
 * commit for the batch. A message is acked (and fanned out) only once its batch has committed.
 * A room always maps to the same lane and a lane has one batch in flight at a time, so this
 * process hands committed messages to `onCommit` in seq order per room, with no reordering buffer,
 * and concurrent batches (different lanes) never touch the same room, so they cannot deadlock.
 *
 * Acks: a send with an `origin` (the sending socket) gets exactly one ack: a new message through
 * `onCommit` (the broker hands it to the hub, which acks it in seq order with the broadcast), a
 * reused clientMsgId here, with the original. HTTP senders have no origin and read the result.
 *
 * Throttle: with `throttle`, every send takes a token of its author's bucket first (one bucket per
 * user for HTTP and all their sockets). Without a token nothing is queued: a send the author may
 * not make at all is still refused as such (ROOM_NOT_FOUND / NOT_A_MEMBER, one access read),
 * anything else answers RATE_LIMITED.
 */
import type { Message, User } from '../protocol.js';
import type { AckTarget } from '../realtime/ack-target.js';
import type { MessagesRepository, NewMessage } from '../repositories/messages-repository.js';
import type { RoomsRepository } from '../repositories/rooms-repository.js';
import { AppError, errors, isUniqueViolation } from '../lib/errors.js';
import { toMessage } from '../repositories/mappers.js';
import { accessError } from './room-access.js';
import type { SendThrottle } from './send-throttle.js';

export interface SendInput {
  roomId: string;
  author: User;
  clientMsgId: string;
  /** Already trimmed and length-checked. */
  body: string;
}

export interface SendResult {
  message: Message;
  /** false when the clientMsgId was already used and `message` is the original. */
  created: boolean;
}

/** Called for every newly stored message, in seq order per room, before the sender's promise resolves. */
export type CommitListener = (message: Message, origin: AckTarget | undefined) => void;

interface Pending {
  input: SendInput;
  origin: AckTarget | undefined;
  resolve: (r: SendResult) => void;
  reject: (e: unknown) => void;
}

interface Lane {
  queue: Pending[];
  busy: boolean;
}

/** A stable lane index for a room id (FNV-1a over its characters). */
export function laneOf(roomId: string, lanes: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < roomId.length; i++) {
    h ^= roomId.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % lanes;
}

const keyOf = (authorId: string, clientMsgId: string): string => `${authorId}\u0000${clientMsgId}`;

export interface MessageWriterOptions {
  messages: MessagesRepository;
  rooms: RoomsRepository;
  onCommit: CommitListener;
  /** Most messages per statement. */
  maxBatch?: number;
  /** Batches that may be in flight at once (rooms are partitioned over them). */
  lanes?: number;
  log?: { error: (obj: unknown, msg: string) => void };
  /** Sends per user (HTTP and WebSocket alike). */
  throttle?: SendThrottle;
}

const RETRIES = 3;
export const DEFAULT_LANES = 4;
export const DEFAULT_MAX_BATCH = 512;

/** Errors after which the whole batch is simply tried again. */
function isRetryable(err: unknown): boolean {
  if (isUniqueViolation(err)) return true;
  for (let e = err as { code?: string; cause?: unknown } | null, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) {
    if (e.code === '40P01' || e.code === '40001') return true; // deadlock (other processes), serialization
  }
  return false;
}

export class MessageWriter {
  private readonly lanes: Lane[];
  private closing = false;
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];
  private readonly maxBatch: number;

  constructor(private readonly opts: MessageWriterOptions) {
    this.maxBatch = opts.maxBatch ?? DEFAULT_MAX_BATCH;
    const lanes = Math.max(1, Math.floor(opts.lanes ?? DEFAULT_LANES));
    this.lanes = Array.from({ length: lanes }, () => ({ queue: [], busy: false }));
  }

  /** Stores the message (or finds the original for a reused clientMsgId). */
  send(input: SendInput, origin?: AckTarget): Promise<SendResult> {
    if (this.closing) return Promise.reject(errors.unavailable());
    const wait = this.opts.throttle?.take(input.author.id) ?? 0;
    if (wait > 0) return this.refuseThrottled(input, wait);
    return new Promise<SendResult>((resolve, reject) => {
      const lane = this.lanes[laneOf(input.roomId, this.lanes.length)]!;
      lane.queue.push({ input, origin, resolve, reject });
      this.inFlight++;
      if (!lane.busy) {
        lane.busy = true;
        // Let the sends that arrive in this same turn join the batch.
        setImmediate(() => void this.drainLane(lane));
      }
    });
  }

  private async refuseThrottled(input: SendInput, wait: number): Promise<never> {
    const access = await this.opts.rooms.access(input.roomId, input.author.id).catch(() => null);
    throw (access !== null && accessError(access)) || errors.rateLimited(wait, 'Sending too fast');
  }

  /** Refuses new sends and waits until every accepted one has been stored and answered. */
  async close(): Promise<void> {
    this.closing = true;
    if (this.inFlight === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private settle(count: number): void {
    this.inFlight -= count;
    if (this.inFlight === 0 && this.idleWaiters.length) {
      for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  private async drainLane(lane: Lane): Promise<void> {
    while (lane.queue.length) {
      // Taken in arrival order: a room's messages split over two batches keep their order.
      const batch = lane.queue.splice(0, this.maxBatch);
      try {
        await this.writeBatch(batch);
      } catch (err) {
        this.opts.log?.error({ err, count: batch.length }, 'message batch failed');
        const failure = err instanceof AppError ? err : errors.unavailable();
        for (const p of batch) p.reject(failure);
      }
      this.settle(batch.length);
    }
    lane.busy = false;
  }

  private async writeBatch(batch: Pending[]): Promise<void> {
    // The same (author, clientMsgId) twice in one batch is stored once; later ones share its result.
    const firstByKey = new Map<string, Pending>();
    const followers = new Map<Pending, Pending[]>();
    for (const p of batch) {
      const key = keyOf(p.input.author.id, p.input.clientMsgId);
      const first = firstByKey.get(key);
      if (first) followers.get(first)!.push(p);
      else {
        firstByKey.set(key, p);
        followers.set(p, []);
      }
    }
    const unique = [...firstByKey.values()];
    const items: (NewMessage & { roomId: string })[] = unique.map((p) => ({
      roomId: p.input.roomId,
      authorId: p.input.author.id,
      clientMsgId: p.input.clientMsgId,
      body: p.input.body,
    }));

    let inserted;
    for (let attempt = 1; ; attempt++) {
      try {
        inserted = await this.opts.messages.insertMany(items);
        break;
      } catch (err) {
        // A concurrent writer (another lane, another instance) stored the same pair first, or
        // another instance's batch over the same rooms deadlocked with this one: nothing was stored.
        if (attempt < RETRIES && isRetryable(err)) continue;
        throw err;
      }
    }

    const byKey = new Map(inserted.map((row) => [keyOf(row.author_id, row.client_msg_id), row]));
    const leftovers: Pending[] = [];
    const answer = (p: Pending, result: SendResult) => {
      if (!result.created) p.origin?.ack(result.message);
      p.resolve(result);
      for (const f of followers.get(p)!) {
        f.origin?.ack(result.message);
        f.resolve({ message: result.message, created: false });
      }
    };

    // Fan-out first, in seq order per room, then the senders' promises.
    const created: [Pending, Message][] = [];
    for (const p of unique) {
      const row = byKey.get(keyOf(p.input.author.id, p.input.clientMsgId));
      if (!row || row.room_id !== p.input.roomId) {
        leftovers.push(p);
        continue;
      }
      const message = toMessage(
        { ...row, roomId: p.input.roomId, clientMsgId: p.input.clientMsgId, body: p.input.body, createdAt: row.created_at },
        p.input.author,
      );
      created.push([p, message]);
    }
    created.sort((a, b) => (a[1].roomId < b[1].roomId ? -1 : a[1].roomId > b[1].roomId ? 1 : a[1].seq - b[1].seq));
    for (const [p, message] of created) this.opts.onCommit(message, p.origin);
    for (const [p, message] of created) answer(p, { message, created: true });

    if (!leftovers.length) return;
    // Not inserted: either the clientMsgId was used before, or the author may not post here.
    const originals = await this.opts.messages.findByClientIds(
      leftovers.map((p) => ({ authorId: p.input.author.id, clientMsgId: p.input.clientMsgId })),
    );
    const originalByKey = new Map(originals.map((m) => [keyOf(m.author.id, m.clientMsgId), m]));
    for (const p of leftovers) {
      const original = originalByKey.get(keyOf(p.input.author.id, p.input.clientMsgId));
      // A retry into the same room always gets its original (even after leaving the room); a
      // reused id aimed at another room only if the author may post there.
      if (original && original.roomId === p.input.roomId) {
        answer(p, { message: original, created: false });
        continue;
      }
      const access = await this.opts.rooms.access(p.input.roomId, p.input.author.id);
      if (original && access?.role) {
        answer(p, { message: original, created: false });
        continue;
      }
      const err = accessError(access) ?? errors.notAMember();
      p.reject(err);
      for (const f of followers.get(p)!) f.reject(err);
    }
  }
}
