/**
 * One connection's subscription to one room, and the subscribe procedure (replay, then live).
 *
 * Invariants:
 * - A subscription is registered (buffering) BEFORE the room's position is read, so whatever
 *   commits meanwhile is either in the read, in the buffer, or both; the seq check drops the copy.
 *   No gap, no duplicate. With several instances the room's feed is live before that read too.
 * - Nothing is opened for a room (no bus channel) before the user is known to be a member.
 * - Once live, a frame goes out only for a seq above `lastSeq`, the highest seq this subscription
 *   delivered, replayed, or acked to its own sender (the hub hands over a room's commits in seq
 *   order, so nothing below it can still be missing).
 * - Replay is paced by the socket (a page at a time, waiting for the backlog to drain), so a large
 *   resume never floods a healthy client past the buffer bound. A short gap is replayed from the
 *   events this instance delivered last (recent-log.ts says when that is the whole gap), else
 *   from the database.
 */
import { AppError } from '../lib/errors.js';
import type { LogFrame, ServerFrame } from '../protocol.js';
import type { RoomAccess } from '../repositories/rooms-repository.js';
import { requireMember } from '../services/room-access.js';
import { encodeFrame } from './frames.js';
import { logEventOf } from './log-event.js';
import { OutFrame } from './socket-writer.js';

/** Most rooms one connection may be subscribed to. */
export const MAX_SUBSCRIPTIONS = 1000;
/** Log events per replay page on subscribe with sinceSeq (and buffered frames per paced chunk). */
export const REPLAY_PAGE = 100;

interface Buffered {
  seq: number;
  frame: OutFrame;
}

export class Subscription {
  private live = false;
  private lastSeq = 0;
  private buffer: Buffered[] | null = [];

  get isLive(): boolean {
    return this.live;
  }

  /** A committed log event of the room, in seq order: true when it is to be sent now (buffered while setting up). */
  accept(seq: number, frame: OutFrame): boolean {
    if (!this.live) {
      this.buffer?.push({ seq, frame });
      return false;
    }
    if (seq <= this.lastSeq) return false;
    this.lastSeq = seq;
    return true;
  }

  /** The subscriber's own new message, answered with an ack instead of a `message`. */
  acked(seq: number): void {
    if (this.live && seq > this.lastSeq) this.lastSeq = seq;
  }

  /** Up to `max` buffered frames, oldest first; empty when the buffer is drained. */
  takeBuffered(max: number): Buffered[] {
    return this.buffer ? this.buffer.splice(0, max) : [];
  }

  get hasBuffered(): boolean {
    return (this.buffer?.length ?? 0) > 0;
  }

  goLive(lastSeq: number): void {
    this.lastSeq = lastSeq;
    this.live = true;
    this.buffer = null;
  }
}

/** What subscribing needs of a connection (Connection has it; declared here so this file does not depend on it). */
export interface Subscriber {
  readonly user: { id: string };
  /** Its subscriptions by room id (a Connection's SubscriptionMap; a Map answers it too). */
  readonly subs: { readonly size: number; get(roomId: string): Subscription | undefined; has(roomId: string): boolean };
  readonly isOpen: boolean;
  send(frame: ServerFrame): void;
  sendDurable(frame: OutFrame): void;
  /** Waits until the backlog is below the soft bound; false when the socket closed meanwhile. */
  drained(): Promise<boolean>;
}

export interface SubscribeDeps<C extends Subscriber> {
  /** Registers the subscription in the local room index (it buffers from now on). */
  register(conn: C, roomId: string, sub: Subscription): void;
  unregister(conn: C, roomId: string): void;
  /** Opens the room's cross-instance feed; resolves once it is live (undefined on one instance). */
  watchRoom(roomId: string): Promise<void> | undefined;
  access(roomId: string, userId: string): Promise<RoomAccess | undefined>;
  /**
   * The room log after `after`, ascending (room-log repository `eventsAfter`), read after every
   * event up to `committedUpTo` was committed. Calls with equal inputs may share one read: it
   * holds every event up to `committedUpTo` either way.
   */
  eventsAfter(input: { roomId: string; after: number; limit: number; committedUpTo: number }): Promise<{ events: LogFrame[]; hasMore: boolean }>;
  onlineIn(roomId: string): string[];
  /** The events after `after` through at least `upTo` as delivered here (recent-log.ts), or null: read them. */
  recentAfter?(roomId: string, after: number, upTo: number): Buffered[] | null;
  /** Largest gap (in log events) replayed; a larger one answers recovered: false. */
  recoveryMaxMessages: number;
}

/** Subscribes `conn` to the room: `subscribed`, the replay of what was missed since `sinceSeq`, then live. */
export async function subscribe<C extends Subscriber>(
  deps: SubscribeDeps<C>,
  conn: C,
  roomId: string,
  sinceSeq: number | undefined,
): Promise<void> {
  if (!conn.subs.has(roomId) && conn.subs.size >= MAX_SUBSCRIPTIONS) {
    throw new AppError(400, 'VALIDATION', `At most ${MAX_SUBSCRIPTIONS} rooms per connection`);
  }
  const sub = new Subscription();
  deps.register(conn, roomId, sub);
  const current = () => conn.isOpen && conn.subs.get(roomId) === sub;
  try {
    let access = await deps.access(roomId, conn.user.id);
    requireMember(access);
    const watching = deps.watchRoom(roomId);
    if (watching) {
      // Several instances: where the room is must be read once its feed is live.
      await watching;
      access = await deps.access(roomId, conn.user.id);
      requireMember(access);
    }
    const lastSeq = Number(access.room.lastSeq);
    // A sinceSeq beyond the room's end cannot be resumed from (it would mute the room up to it):
    // recovered: false, live from lastSeq. Within the window, the missed messages are replayed.
    const recovered = sinceSeq === undefined || (sinceSeq <= lastSeq && lastSeq - sinceSeq <= deps.recoveryMaxMessages);
    if (!current()) return; // closed or unsubscribed meanwhile
    conn.send({ type: 'subscribed', roomId, lastSeq, recovered, online: deps.onlineIn(roomId) });
    const from = recovered && sinceSeq !== undefined ? sinceSeq : lastSeq;
    const held = from < lastSeq ? deps.recentAfter?.(roomId, from, lastSeq) : null;
    const sent = held ? sendPast(conn, held, from) : await replay(deps, conn, roomId, from, lastSeq, current);
    if (sent === null) return;
    const live = await flushBuffered(conn, sub, sent, current);
    if (live === null) return;
    sub.goLive(Math.max(live, lastSeq));
  } catch (err) {
    if (conn.subs.get(roomId) === sub) deps.unregister(conn, roomId);
    throw err;
  }
}

/** A replayed event framed once for every subscriber that replays it (the page read is shared). */
const replayFrames = new WeakMap<LogFrame, OutFrame>();
const framedOnce = (frame: LogFrame): OutFrame => {
  let out = replayFrames.get(frame);
  if (!out) replayFrames.set(frame, (out = new OutFrame(encodeFrame(frame))));
  return out;
};

/** Sends the stored log events after `from` up to `to`, paced; the last seq sent, or null when the subscription is gone. */
async function replay<C extends Subscriber>(
  deps: SubscribeDeps<C>,
  conn: C,
  roomId: string,
  from: number,
  to: number,
  current: () => boolean,
): Promise<number | null> {
  let sent = from;
  while (sent < to) {
    const page = await deps.eventsAfter({ roomId, after: sent, limit: REPLAY_PAGE, committedUpTo: to });
    if (!current()) return null;
    for (const frame of page.events) {
      const { seq } = logEventOf(frame);
      if (seq <= sent) continue;
      conn.sendDurable(framedOnce(frame));
      sent = seq;
    }
    if (!page.hasMore || !page.events.length || !(await conn.drained())) break;
    if (!current()) return null;
  }
  return sent;
}

/** Sends the frames past `sent` (held in memory, or buffered during set-up); the last seq sent. */
function sendPast(conn: Subscriber, frames: Buffered[], sent: number): number {
  for (const b of frames) {
    if (b.seq <= sent) continue;
    conn.sendDurable(b.frame);
    sent = b.seq;
  }
  return sent;
}

/** Sends what was buffered during set-up past `sent`, paced; the last seq sent, or null when gone. */
async function flushBuffered(conn: Subscriber, sub: Subscription, sent: number, current: () => boolean): Promise<number | null> {
  while (sub.hasBuffered) {
    sent = sendPast(conn, sub.takeBuffered(REPLAY_PAGE), sent);
    if (sub.hasBuffered && !(await conn.drained())) return null;
    if (!current()) return null;
  }
  return sent;
}
