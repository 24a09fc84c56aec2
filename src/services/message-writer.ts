/**
 * The one path by which a room's log is written, for WebSocket and HTTP alike: messages, and
 * edits, deletions and reactions (ops, services/log-ops.ts).
 *
 * Group commit across rooms: rooms are partitioned over a few lanes by a hash of the room id.
 * Sends queue up in their room's lane while the lane's previous batch is being written, and the
 * whole queue (many rooms at once) is stored by the next single statement: one round trip and one
 * commit for the batch. A message is acked (and fanned out) only once its batch has committed.
 * A room always maps to the same lane and a lane has one batch in flight at a time, so this
 * process hands committed messages to `onCommit` in seq order per room, with no reordering buffer,
 * and concurrent batches (different lanes) never touch the same room, so they cannot deadlock.
 *
 * Ops go through the SAME lanes, so a room's events of every kind are committed and handed to
 * `onCommit` in seq order. A lane takes its queue's head run of the same kind: consecutive sends
 * are one statement as before; consecutive ops are one transaction (one commit), each op deciding
 * inside it, under the room row lock, whether it is allowed and whether it is a repeat (no event).
 *
 * Acks: a send with an `origin` (the sending socket) gets exactly one ack: a new message through
 * `onCommit` (the broker hands it to the hub, which acks it in seq order with the broadcast), a
 * reused clientMsgId here, with the original. HTTP senders have no origin and read the result.
 *
 * Throttle: with `throttle`, every send takes a token of its author's bucket first (one bucket per
 * user for HTTP and all their sockets; guests on a slower tier). Without a token nothing is queued: a send the author may
 * not make at all is still refused as such (ROOM_NOT_FOUND / NOT_A_MEMBER, one access read),
 * anything else answers RATE_LIMITED.
 * Attachments are claimed with their message (services/attachment-claims.ts).
 * Admission: with `admit` (slow mode, services/slow-mode.ts), a send it does not admit at once
 * waits for its answer before it is queued, behind the room's earlier sends still being admitted
 * (arrival order holds); it counts as accepted meanwhile (close() waits for it). A refusal is the
 * send's error, and a send that then stores nothing new hands back what admission reserved.
 */
import type { Message, User } from '../protocol.js';
import type { AckTarget } from '../realtime/ack-target.js';
import { logEventOf, mentionNotice, messageEvent, type LogEvent, type MentionNotice } from '../realtime/log-event.js';
import type { MessagesRepository, NewMessage } from '../repositories/messages-repository.js';
import type { RoomsRepository } from '../repositories/rooms-repository.js';
import type { EventFrame } from '../repositories/room-log-repository.js';
import { AppError, errors } from '../lib/errors.js';
import { retryingConflicts } from '../lib/retry-conflicts.js';
import { mentionCandidates } from '../lib/mentions.js';
import { toInsertedMessage } from '../repositories/message-reads.js';
import type { LogOp, OpRunner } from './log-ops.js';
import { accessError } from './room-access.js';
import { attachmentUnavailable, firstClaimWins, notStoredReason } from './attachment-claims.js';
import type { TieredSendThrottle } from './send-throttle.js';

export interface SendInput {
  roomId: string;
  author: User;
  clientMsgId: string;
  /** Already trimmed and length-checked. */
  body: string;
  /** A message of the same room (else MESSAGE_NOT_FOUND). */
  replyToId?: string;
  /** Unclaimed uploads of the author (else ATTACHMENT_UNAVAILABLE), claimed with the message. */
  attachmentIds?: string[];
}

export interface SendResult {
  message: Message;
  /** false when the clientMsgId was already used and `message` is the original. */
  created: boolean;
}

/** Called for every new log event, in seq order per room, before the sender's promise resolves. */
export type CommitListener = (event: LogEvent, origin: AckTarget | undefined) => void;

interface PendingSend {
  kind: 'send';
  input: SendInput;
  origin: AckTarget | undefined;
  resolve: (r: SendResult) => void;
  reject: (e: unknown) => void;
}

interface PendingOp {
  kind: 'op';
  op: LogOp;
  resolve: (frame: EventFrame | null) => void;
  reject: (e: unknown) => void;
}

type Pending = PendingSend | PendingOp;

interface Lane {
  queue: Pending[];
  busy: boolean;
  /** The batch being stored: its rooms, and when its commits have been handed to onCommit. */
  storing: { rooms: Set<string>; done: Promise<void> } | null;
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
  /** Runs edits, deletions and reactions (services/log-ops.ts). */
  runOps: OpRunner;
  onCommit: CommitListener;
  /** A committed message or edit mentions people (after its onCommit). */
  onMention?: (notice: MentionNotice) => void;
  /** Most messages per statement. */
  maxBatch?: number;
  /** Batches that may be in flight at once (rooms are partitioned over them). */
  lanes?: number;
  log?: { error: (obj: unknown, msg: string) => void };
  /** Sends per user (HTTP and WebSocket alike). */
  throttle?: TieredSendThrottle;
  /** Observes every batch once it has settled (metrics): its kind, size and time in storage. */
  onBatch?: BatchObserver;
  /** Checked before a send is queued: null = admitted now; else resolves (with a give-back) or rejects. */
  admit?: (input: SendInput) => Promise<(() => void) | undefined> | null;
}

/** `size` items taken from a lane; `ms` from the start of its write until its callers were answered. */
export type BatchObserver = (batch: { kind: Pending['kind']; size: number; ms: number; ok: boolean }) => void;

export const DEFAULT_LANES = 4;
export const DEFAULT_MAX_BATCH = 512;
/** Most ops per transaction. */
export const MAX_OP_BATCH = 64;

export class MessageWriter {
  private readonly lanes: Lane[];
  private closing = false;
  /** Per room, the tail of the sends being admitted (slow mode), so they queue in arrival order. */
  private readonly admitting = new Map<string, Promise<void>>();
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];
  private readonly maxBatch: number;

  constructor(private readonly opts: MessageWriterOptions) {
    this.maxBatch = opts.maxBatch ?? DEFAULT_MAX_BATCH;
    const lanes = Math.max(1, Math.floor(opts.lanes ?? DEFAULT_LANES));
    this.lanes = Array.from({ length: lanes }, () => ({ queue: [], busy: false, storing: null }));
  }

  /** Stores the message (or finds the original for a reused clientMsgId). */
  send(input: SendInput, origin?: AckTarget): Promise<SendResult> {
    if (this.closing) return Promise.reject(errors.unavailable());
    const wait = this.opts.throttle?.take(input.author) ?? 0;
    if (wait > 0) return this.refuseThrottled(input.roomId, input.author, wait);
    const { roomId } = input;
    const before = this.admitting.get(roomId);
    if (!before) {
      const admission = this.opts.admit?.(input);
      if (!admission) return this.queueSend(input, origin);
      return this.queueAdmitted(roomId, admission, input, origin);
    }
    // An earlier send of this room is still being admitted: this one is admitted after it.
    return this.queueAdmitted(roomId, before.then(() => this.opts.admit?.(input) ?? undefined), input, origin);
  }

  /**
   * A send whose admission is pending joins the room's lane when admitted, in the order the sends
   * arrived (each room's admissions form one chain), and counts as accepted meanwhile: close()
   * waits for it like for a queued send.
   */
  private queueAdmitted(roomId: string, admission: Promise<(() => void) | undefined>, input: SendInput, origin?: AckTarget): Promise<SendResult> {
    this.inFlight++;
    const result = admission.then(
      (giveBack) => {
        const stored = new Promise<SendResult>((resolve, reject) => this.enqueue(roomId, { kind: 'send', input, origin, resolve, reject }));
        this.settle(1);
        return stored.then(
          (r) => {
            if (!r.created) giveBack?.();
            return r;
          },
          (err: unknown) => {
            giveBack?.();
            throw err;
          },
        );
      },
      (err: unknown) => {
        this.settle(1);
        throw err;
      },
    );
    // Registered after `result`'s callbacks, so the next admission starts once this send is queued.
    const step = admission.then(
      () => undefined,
      () => undefined,
    );
    this.admitting.set(roomId, step);
    void step.then(() => {
      if (this.admitting.get(roomId) === step) this.admitting.delete(roomId);
    });
    return result;
  }

  private queueSend(input: SendInput, origin?: AckTarget): Promise<SendResult> {
    if (this.closing) return Promise.reject(errors.unavailable());
    return new Promise<SendResult>((resolve, reject) => this.enqueue(input.roomId, { kind: 'send', input, origin, resolve, reject }));
  }

  /**
   * An edit, deletion or reaction, in its room's lane. Resolves with the event once it is
   * committed and handed to `onCommit`, or null for a repeat (no event). Same throttle as sends.
   */
  apply(op: LogOp): Promise<EventFrame | null> {
    if (this.closing) return Promise.reject(errors.unavailable());
    const wait = this.opts.throttle?.take(op.actor) ?? 0;
    if (wait > 0) return this.refuseThrottled(op.roomId, op.actor, wait);
    return new Promise<EventFrame | null>((resolve, reject) => this.enqueue(op.roomId, { kind: 'op', op, resolve, reject }));
  }

  private enqueue(roomId: string, pending: Pending): void {
    const lane = this.lanes[laneOf(roomId, this.lanes.length)]!;
    lane.queue.push(pending);
    this.inFlight++;
    if (!lane.busy) {
      lane.busy = true;
      // Let what arrives in this same turn join the batch.
      setImmediate(() => void this.drainLane(lane));
    }
  }

  private async refuseThrottled(roomId: string, author: User, wait: number): Promise<never> {
    const access = await this.opts.rooms.access(roomId, author.id).catch(() => null);
    throw (access !== null && accessError(access)) || errors.rateLimited(wait, 'Sending too fast');
  }

  /**
   * Resolves once the batch this process is storing for the room (if any) has handed its commits to
   * `onCommit`. A reader that found messages of the room in the database (a gap fill) waits for it,
   * so this process's own new messages reach it with their sender, not as strangers' messages.
   */
  committing(roomId: string): Promise<void> | undefined {
    const storing = this.lanes[laneOf(roomId, this.lanes.length)]!.storing;
    return storing?.rooms.has(roomId) ? storing.done : undefined;
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
      // Taken in arrival order, the head run of one kind: a room's events keep their order.
      const kind = lane.queue[0]!.kind;
      const max = kind === 'send' ? this.maxBatch : MAX_OP_BATCH;
      let n = 1;
      while (n < lane.queue.length && n < max && lane.queue[n]!.kind === kind) n++;
      const batch = lane.queue.splice(0, n);
      let stored!: () => void;
      const rooms = new Set(batch.map((p) => (p.kind === 'send' ? p.input.roomId : p.op.roomId)));
      lane.storing = { rooms, done: new Promise<void>((resolve) => (stored = resolve)) };
      const started = performance.now();
      let ok = true;
      try {
        if (kind === 'send') await this.writeBatch(batch as PendingSend[]);
        else await this.runOps(batch as PendingOp[]);
      } catch (err) {
        ok = false;
        this.opts.log?.error({ err, count: batch.length, kind }, 'room log batch failed');
        const failure = err instanceof AppError ? err : errors.unavailable();
        for (const p of batch) p.reject(failure);
      }
      this.opts.onBatch?.({ kind, size: batch.length, ms: performance.now() - started, ok });
      lane.storing = null;
      stored();
      this.settle(batch.length);
    }
    lane.busy = false;
  }

  private async runOps(batch: PendingOp[]): Promise<void> {
    const outcomes = await retryingConflicts(() => this.opts.runOps(batch.map((p) => p.op)));
    // Fan-out first, in seq order (the batch ran in lane order), then the callers' promises.
    for (const o of outcomes) {
      if ('frame' in o && o.frame) this.opts.onCommit(logEventOf(o.frame), undefined);
    }
    for (const o of outcomes) if ('mention' in o && o.mention) this.opts.onMention?.(o.mention);
    batch.forEach((p, i) => {
      const o = outcomes[i]!;
      if ('error' in o) p.reject(o.error);
      else p.resolve(o.frame);
    });
  }

  private async writeBatch(batch: PendingSend[]): Promise<void> {
    // The same (author, clientMsgId) twice in one batch is stored once; later ones share its result.
    const firstByKey = new Map<string, PendingSend>();
    const followers = new Map<PendingSend, PendingSend[]>();
    for (const p of batch) {
      const key = keyOf(p.input.author.id, p.input.clientMsgId);
      const first = firstByKey.get(key);
      if (first) followers.get(first)!.push(p);
      else {
        firstByKey.set(key, p);
        followers.set(p, []);
      }
    }
    const unique = firstClaimWins([...firstByKey.values()], (p) => {
      const err = attachmentUnavailable();
      for (const r of [p, ...followers.get(p)!]) r.reject(err);
    });
    const items: (NewMessage & { roomId: string })[] = unique.map((p) => {
      const found = mentionCandidates(p.input.body);
      return {
        roomId: p.input.roomId,
        authorId: p.input.author.id,
        clientMsgId: p.input.clientMsgId,
        body: p.input.body,
        ...(p.input.replyToId !== undefined ? { replyToId: p.input.replyToId } : {}),
        ...(found.names.length ? { mentionNames: found.names } : {}),
        ...(found.room ? { mentionRoom: true } : {}),
        ...(p.input.attachmentIds?.length ? { attachmentIds: p.input.attachmentIds } : {}),
      };
    });

    // A concurrent writer (another lane, another instance) stored the same pair first, or another
    // instance's batch over the same rooms deadlocked with this one: nothing was stored, retry.
    const inserted = await retryingConflicts(() => this.opts.messages.insertMany(items));

    const byKey = new Map(inserted.map((row) => [keyOf(row.author_id, row.client_msg_id), row]));
    const leftovers: PendingSend[] = [];
    const answer = (p: PendingSend, result: SendResult) => {
      if (!result.created) p.origin?.ack(result.message);
      p.resolve(result);
      for (const f of followers.get(p)!) {
        f.origin?.ack(result.message);
        f.resolve({ message: result.message, created: false });
      }
    };

    // Fan-out first, in seq order per room, then the senders' promises.
    const created: [PendingSend, Message][] = [];
    for (const p of unique) {
      const row = byKey.get(keyOf(p.input.author.id, p.input.clientMsgId));
      if (!row || row.room_id !== p.input.roomId) {
        leftovers.push(p);
        continue;
      }
      created.push([p, toInsertedMessage(row, p.input.body, p.input.author)]);
    }
    created.sort((a, b) => (a[1].roomId < b[1].roomId ? -1 : a[1].roomId > b[1].roomId ? 1 : a[1].seq - b[1].seq));
    for (const [p, message] of created) this.opts.onCommit(messageEvent(message), p.origin);
    if (this.opts.onMention) {
      for (const [, m] of created) {
        const notice = mentionNotice({ ...m, authorId: m.author.id });
        if (notice) this.opts.onMention(notice);
      }
    }
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
      const err = accessError(access) ?? (await notStoredReason(p.input, this.opts.messages));
      for (const r of [p, ...followers.get(p)!]) r.reject(err);
    }
  }
}
