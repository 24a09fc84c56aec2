/**
 * The one path by which messages are stored, for WebSocket and HTTP alike.
 *
 * Each room has a lane: sends queue up while the lane's previous batch is being written, and the
 * whole queue is stored by the next single statement (group commit per room). One batch per room
 * is in flight at a time, so this process hands committed messages to `onCommit` in seq order,
 * with no reordering buffer and no database query per broadcast.
 */
import type { Message, User } from '../protocol.js';
import type { MessagesRepository, NewMessage } from '../repositories/messages-repository.js';
import type { RoomsRepository } from '../repositories/rooms-repository.js';
import { AppError, errors, isUniqueViolation } from '../lib/errors.js';
import { toMessage } from '../repositories/mappers.js';

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
export type CommitListener = (message: Message, origin: unknown) => void;

interface Pending {
  input: SendInput;
  origin: unknown;
  resolve: (r: SendResult) => void;
  reject: (e: unknown) => void;
}

interface Lane {
  queue: Pending[];
  busy: boolean;
}

export interface MessageWriterOptions {
  messages: MessagesRepository;
  rooms: RoomsRepository;
  onCommit: CommitListener;
  /** Most messages per statement. */
  maxBatch?: number;
  log?: { error: (obj: unknown, msg: string) => void };
}

const UNIQUE_RETRIES = 3;

export class MessageWriter {
  private readonly lanes = new Map<string, Lane>();
  private closing = false;
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];
  private readonly maxBatch: number;

  constructor(private readonly opts: MessageWriterOptions) {
    this.maxBatch = opts.maxBatch ?? 256;
  }

  /** Stores the message (or finds the original for a reused clientMsgId). */
  send(input: SendInput, origin?: unknown): Promise<SendResult> {
    if (this.closing) return Promise.reject(errors.unavailable());
    return new Promise<SendResult>((resolve, reject) => {
      let lane = this.lanes.get(input.roomId);
      if (!lane) {
        lane = { queue: [], busy: false };
        this.lanes.set(input.roomId, lane);
      }
      lane.queue.push({ input, origin, resolve, reject });
      this.inFlight++;
      if (!lane.busy) {
        lane.busy = true;
        // Let the sends that arrive in this same turn join the batch.
        setImmediate(() => void this.drainLane(input.roomId, lane!));
      }
    });
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

  private async drainLane(roomId: string, lane: Lane): Promise<void> {
    while (lane.queue.length) {
      const batch = lane.queue.splice(0, this.maxBatch);
      try {
        await this.writeBatch(roomId, batch);
      } catch (err) {
        this.opts.log?.error({ err, roomId, count: batch.length }, 'message batch failed');
        const failure = err instanceof AppError ? err : errors.unavailable();
        for (const p of batch) p.reject(failure);
      }
      this.settle(batch.length);
    }
    lane.busy = false;
    this.lanes.delete(roomId);
  }

  private async writeBatch(roomId: string, batch: Pending[]): Promise<void> {
    // The same (author, clientMsgId) twice in one batch is stored once; later ones share its result.
    const firstByKey = new Map<string, Pending>();
    const followers = new Map<Pending, Pending[]>();
    for (const p of batch) {
      const key = `${p.input.author.id}\u0000${p.input.clientMsgId}`;
      const first = firstByKey.get(key);
      if (first) followers.get(first)!.push(p);
      else {
        firstByKey.set(key, p);
        followers.set(p, []);
      }
    }
    const unique = [...firstByKey.values()];
    const items: NewMessage[] = unique.map((p) => ({
      authorId: p.input.author.id,
      clientMsgId: p.input.clientMsgId,
      body: p.input.body,
    }));

    let inserted;
    for (let attempt = 1; ; attempt++) {
      try {
        inserted = await this.opts.messages.insertBatch(roomId, items);
        break;
      } catch (err) {
        // A concurrent writer (another room's lane, another instance) stored the same pair first.
        if (attempt < UNIQUE_RETRIES && isUniqueViolation(err)) continue;
        throw err;
      }
    }

    const byKey = new Map(inserted.map((row) => [`${row.author_id}\u0000${row.client_msg_id}`, row]));
    const leftovers: Pending[] = [];
    const answer = (p: Pending, result: SendResult) => {
      p.resolve(result);
      for (const f of followers.get(p)!) f.resolve({ message: result.message, created: false });
    };

    // Fan-out first, in seq order (rows come back ordered), then the senders' promises.
    const created: [Pending, Message][] = [];
    for (const p of unique) {
      const row = byKey.get(`${p.input.author.id}\u0000${p.input.clientMsgId}`);
      if (!row) {
        leftovers.push(p);
        continue;
      }
      const message = toMessage({ ...row, roomId, clientMsgId: p.input.clientMsgId, body: p.input.body, createdAt: row.created_at }, p.input.author);
      created.push([p, message]);
    }
    created.sort((a, b) => a[1].seq - b[1].seq);
    for (const [p, message] of created) this.opts.onCommit(message, p.origin);
    for (const [p, message] of created) answer(p, { message, created: true });

    if (!leftovers.length) return;
    // Not inserted: either the clientMsgId was used before, or the author may not post here.
    const originals = await this.opts.messages.findByClientIds(
      leftovers.map((p) => ({ authorId: p.input.author.id, clientMsgId: p.input.clientMsgId })),
    );
    const originalByKey = new Map(originals.map((m) => [`${m.author.id}\u0000${m.clientMsgId}`, m]));
    for (const p of leftovers) {
      const original = originalByKey.get(`${p.input.author.id}\u0000${p.input.clientMsgId}`);
      if (original) {
        answer(p, { message: original, created: false });
        continue;
      }
      const access = await this.opts.rooms.access(roomId, p.input.author.id);
      const err = !access || (access.room.isPrivate && !access.role) ? errors.roomNotFound() : errors.notAMember();
      p.reject(err);
      for (const f of followers.get(p)!) f.reject(err);
    }
  }
}
