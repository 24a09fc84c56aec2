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

export function startSession(opts: SessionOptions, socket: WebSocket, auth: SessionAuth): Connection {
  const { hub, handlers, log } = opts;
  const conn = new Connection(socket, auth.user, auth.sessionId, opts.limits);
  const frameBucket = new TokenBucket(
    Math.max(FRAME_RATE_PER_SEC, 2 * opts.limits.sendRatePerSec),
    Math.max(FRAME_BURST, 2 * opts.limits.sendBurst),
  );
  let chain: Promise<void> = Promise.resolve();
  let announced = false;
  let pending: [RawData, boolean][] | null = [];

  const fail = (err: unknown, ref: string | undefined): void => {
    if (err instanceof AppError) {
      conn.send(errorFrame(err.code, err.message, ref, err.extra.retryAfterMs));
      return;
    }
    if (isDatabaseUnavailable(err)) {
      // Expected during an outage: no stack trace, and the client retries (it recovers by itself).
      log.warn({ reason: (err as Error).message, userId: conn.user.id }, 'websocket frame: database unavailable');
      conn.send(errorFrame('UNAVAILABLE', 'The database is unreachable right now; retry shortly', ref));
      return;
    }
    log.error({ err, userId: conn.user.id }, 'websocket frame failed');
    conn.send(errorFrame('INTERNAL', 'Something went wrong on our side', ref));
  };

  const dispatch = (frame: ClientFrame): void => {
    const ref = refOf(frame);
    const handler = handlers[frame.type] as Handler<typeof frame.type>;
    if (ORDERED_FRAMES.has(frame.type)) {
      chain = chain.then(() => handler(conn, frame)).catch((err: unknown) => fail(err, ref));
      return;
    }
    try {
      const done = handler(conn, frame);
      if (done) done.catch((err: unknown) => fail(err, ref));
    } catch (err) {
      fail(err, ref);
    }
  };

  const handle = (data: RawData, isBinary: boolean): void => {
    if (!conn.isOpen) return;
    if (frameBucket.take() > 0) {
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
    dispatch(parsed.frame);
  };

  // Listeners first, before any await: frames that arrive during set-up wait in `pending`.
  socket.on('message', (data: RawData, isBinary: boolean) => {
    conn.markAlive();
    if (pending) pending.push([data, isBinary]);
    else handle(data, isBinary);
  });
  socket.on('pong', () => conn.markAlive());
  socket.on('close', () => hub.detach(conn, announced));
  socket.on('error', (err) => log.debug({ err }, 'websocket error'));

  hub.attach(conn);
  conn.send({ type: 'ready', user: conn.user, protocol: PROTOCOL_VERSION, heartbeatMs: opts.heartbeatMs });

  opts
    .roomIdsOf(auth.user.id)
    .then((roomIds) => {
      if (!conn.isOpen) return;
      hub.announce(conn, roomIds);
      announced = true;
    })
    .catch((err: unknown) => log.error({ err }, 'loading rooms for presence failed'))
    .finally(() => {
      const queued = pending ?? [];
      pending = null;
      for (const [data, isBinary] of queued) handle(data, isBinary);
    });
  return conn;
}
