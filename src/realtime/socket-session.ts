/**
 * One authenticated socket from its first frame to its close: liveness, flood control, parsing,
 * and dispatch to the frame handlers.
 *
 * Invariants:
 * - Listeners are attached before any await; frames that arrive while the user's rooms are being
 *   loaded (for presence) wait in `pending` and are handled in arrival order afterwards.
 * - Subscription changes (ORDERED_FRAMES) of one connection take effect in the order they were
 *   sent (one promise chain per connection); every other frame runs at once.
 * - Every frame gets its answer or an `error` frame with the frame's ref; nothing thrown escapes.
 *   A database that cannot be reached answers UNAVAILABLE, anything unexpected INTERNAL (logged).
 */
import type { RawData, WebSocket } from 'ws';
import { AppError, isDatabaseUnavailable } from '../lib/errors.js';
import { TokenBucket } from '../lib/rate-limiter.js';
import { CLOSE, PROTOCOL_VERSION, type ClientFrame, type User } from '../protocol.js';
import { Connection, type ConnectionLimits } from './connection.js';
import type { Slot } from './connection-caps.js';
import { releaseUpgrade } from './socket-writer.js';
import { errorFrame, parseFrame } from './frames.js';
import { ORDERED_FRAMES, type FrameHandlers, type Handler } from './handlers/frame-handlers.js';
import type { Hub } from './hub.js';

/**
 * Frames of any kind one connection may send per second (and burst) before it is closed as
 * flooding. This bucket is per connection on purpose: it guards this socket's frame loop (pings,
 * typing, reads included), where the send throttle (per user, services/send-throttle.ts) bounds
 * stored messages. Raised with the send limits so that allowed sends alone can never trip it.
 */
const FRAME_RATE_PER_SEC = 100;
const FRAME_BURST = 300;

export interface SessionOptions {
  hub: Hub;
  handlers: FrameHandlers;
  limits: ConnectionLimits & { sendRatePerSec: number; sendBurst: number };
  heartbeatMs: number;
  /** The user's rooms, for presence. */
  roomIdsOf(userId: string): Promise<string[]>;
  log: { error(obj: object, msg: string): void; warn(obj: object, msg: string): void; debug(obj: object, msg: string): void };
}

export interface SessionAuth {
  user: User;
  sessionId: string;
}

/** The ref an error about this frame carries: its `ref`, else its clientMsgId, messageId or roomId. */
function refOf(frame: ClientFrame): string | undefined {
  if ('ref' in frame && frame.ref !== undefined) return frame.ref;
  if ('clientMsgId' in frame) return frame.clientMsgId;
  if ('messageId' in frame) return frame.messageId;
  return 'roomId' in frame ? frame.roomId : undefined;
}

/** Each open socket's session, found from the socket by the listeners (shared by every socket). */
const sessions = new WeakMap<WebSocket, SocketSession>();

/*
 * The socket listeners are module functions called with `this` = the socket, not closures: an
 * idle connection then holds no function objects of its own (see README, Performance).
 */
function onMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
  sessions.get(this)?.received(data, isBinary);
}
function onPong(this: WebSocket): void {
  sessions.get(this)?.conn.markAlive();
}
function onClose(this: WebSocket): void {
  sessions.get(this)?.closed();
}
function onError(this: WebSocket, err: Error): void {
  sessions.get(this)?.errored(err);
}

class SocketSession {
  private readonly frameBucket: TokenBucket;
  /** The tail of the ordered frames' promise chain (null when nothing is in flight). */
  private chain: Promise<void> | null = null;
  private announced = false;
  /** Frames that arrived while the user's rooms were loading (null once they are known). */
  private pending: [RawData, boolean][] | null = [];

  constructor(
    private readonly opts: SessionOptions,
    readonly conn: Connection,
    /** The connection-cap slot this socket holds (connection-caps.ts), given back on close. */
    private readonly slot: Slot | undefined,
  ) {
    this.frameBucket = new TokenBucket(
      Math.max(FRAME_RATE_PER_SEC, 2 * opts.limits.sendRatePerSec),
      Math.max(FRAME_BURST, 2 * opts.limits.sendBurst),
    );
  }

  received(data: RawData, isBinary: boolean): void {
    this.conn.markAlive();
    if (this.pending) this.pending.push([data, isBinary]);
    else this.handle(data, isBinary);
  }

  closed(): void {
    sessions.delete(this.conn.socket);
    this.slot?.release();
    this.opts.hub.detach(this.conn, this.announced);
  }

  /** ws has already closed with 1002/1009 itself for protocol errors; anything else closes here. */
  errored(err: Error): void {
    this.opts.log.debug({ err }, 'websocket error');
    this.conn.close(CLOSE.POLICY, 'internal error');
  }

  /** The user's rooms are known (or could not be read): presence counts it, queued frames run. */
  roomsLoaded(roomIds: string[] | null): void {
    if (roomIds && this.conn.isOpen) {
      this.opts.hub.announce(this.conn, roomIds);
      this.announced = true;
    }
    const queued = this.pending ?? [];
    this.pending = null;
    for (const [data, isBinary] of queued) this.handle(data, isBinary);
  }

  private fail(err: unknown, ref: string | undefined): void {
    const { conn, opts } = this;
    if (err instanceof AppError) {
      conn.send(errorFrame(err.code, err.message, ref, err.extra.retryAfterMs));
      return;
    }
    if (isDatabaseUnavailable(err)) {
      // Expected during an outage: no stack trace, and the client retries (it recovers by itself).
      opts.log.warn({ reason: (err as Error).message, userId: conn.user.id }, 'websocket frame: database unavailable');
      conn.send(errorFrame('UNAVAILABLE', 'The database is unreachable right now; retry shortly', ref));
      return;
    }
    opts.log.error({ err, userId: conn.user.id }, 'websocket frame failed');
    conn.send(errorFrame('INTERNAL', 'Something went wrong on our side', ref));
  }

  private dispatch(frame: ClientFrame): void {
    const ref = refOf(frame);
    const handler = this.opts.handlers[frame.type] as Handler<typeof frame.type>;
    if (ORDERED_FRAMES.has(frame.type)) {
      const tail: Promise<void> = (this.chain ?? Promise.resolve())
        .then(() => handler(this.conn, frame))
        .catch((err: unknown) => this.fail(err, ref))
        .finally(() => {
          if (this.chain === tail) this.chain = null; // nothing queued behind it: let it go
        });
      this.chain = tail;
      return;
    }
    try {
      const done = handler(this.conn, frame);
      if (done) done.catch((err: unknown) => this.fail(err, ref));
    } catch (err) {
      this.fail(err, ref);
    }
  }

  private handle(data: RawData, isBinary: boolean): void {
    const conn = this.conn;
    if (!conn.isOpen) return;
    if (this.frameBucket.take() > 0) {
      conn.close(CLOSE.POLICY, 'flooding');
      return;
    }
    if (isBinary) {
      conn.send(errorFrame('VALIDATION', 'Only text frames are accepted'));
      conn.strike();
      return;
    }
    const parsed = parseFrame(data.toString());
    if ('error' in parsed) {
      conn.send(errorFrame('VALIDATION', parsed.error, parsed.ref));
      conn.strike();
      return;
    }
    this.dispatch(parsed.frame);
  }
}

export function startSession(opts: SessionOptions, socket: WebSocket, auth: SessionAuth, slot?: Slot): Connection {
  const { hub, log } = opts;
  const conn = new Connection(socket, auth.user, auth.sessionId, opts.limits, opts.hub.stats);
  const session = new SocketSession(opts, conn, slot);
  sessions.set(socket, session);
  // Listeners first, before any await: frames that arrive during set-up wait in `pending`.
  releaseUpgrade(socket, onError);
  socket.on('message', onMessage);
  socket.on('pong', onPong);
  socket.on('close', onClose);

  hub.attach(conn);
  conn.send({ type: 'ready', user: conn.user, protocol: PROTOCOL_VERSION, heartbeatMs: opts.heartbeatMs });

  // A kick, ban, leave, join or deletion applied while the rooms are read is not undone by the read.
  const watch = hub.memberships.begin(auth.user.id);
  opts.roomIdsOf(auth.user.id).then(
    (roomIds) => session.roomsLoaded(watch.end(roomIds)),
    (err: unknown) => {
      watch.cancel();
      log.error({ err }, 'loading rooms for presence failed');
      session.roomsLoaded(null);
    },
  );
  return conn;
}
