/**
 * GET /ws: authenticated at the upgrade (cookie or Bearer; browser Origin checked), then one JSON
 * frame per message, each checked against its TypeBox schema before anything else looks at it.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { RawData, WebSocket } from 'ws';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import type { Static, TSchema } from '@sinclair/typebox';
import {
  CLIENT_FRAME_SCHEMAS,
  PROTOCOL_VERSION,
  CLOSE,
  type ClientFrame,
  type ClientFrameType,
  type ErrorCode,
  type ReadFrame,
  type SubscribeFrame,
  type TypingFrame,
  type SendFrame,
} from '../protocol.js';
import { AppError, errors } from '../lib/errors.js';
import { TokenBucket } from '../lib/rate-limiter.js';
import { cleanMessageBody } from '../lib/text.js';
import { Connection } from '../realtime/connection.js';
import { accessError, requireMember } from '../services/room-access.js';

/**
 * Frames of any kind a connection may send per second (and burst) before it is closed as flooding;
 * raised with the send limits so that allowed sends alone can never trip it.
 */
const FRAME_RATE_PER_SEC = 100;
const FRAME_BURST = 300;
const MAX_SUBSCRIPTIONS = 1000;
/** Messages per replay page on subscribe with sinceSeq. */
const REPLAY_PAGE = 100;

const checkers = Object.fromEntries(
  Object.entries(CLIENT_FRAME_SCHEMAS).map(([type, schema]) => [type, TypeCompiler.Compile(schema)]),
) as Record<ClientFrameType, TypeCheck<TSchema>>;

/** Parses and validates one frame; returns the frame or an error description. */
export function parseFrame(data: string): { frame: ClientFrame } | { error: string; ref?: string } {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return { error: 'Frame is not valid JSON' };
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return { error: 'Frame must be a JSON object' };
  const record = value as Record<string, unknown>;
  const ref = typeof record.clientMsgId === 'string' ? record.clientMsgId : typeof record.roomId === 'string' ? record.roomId : undefined;
  const type = record.type;
  if (typeof type !== 'string') return { error: 'Frame needs a string "type"', ref };
  const checker = Object.hasOwn(checkers, type) ? checkers[type as ClientFrameType] : undefined;
  if (!checker) return { error: `Unknown frame type "${type.slice(0, 40)}"`, ref };
  if (!checker.Check(value)) {
    const first = checker.Errors(value).First();
    const where = first?.path ? `${first.path.slice(1)}: ` : '';
    return { error: `Invalid "${type}" frame: ${where}${first?.message ?? 'does not match the schema'}`, ref };
  }
  return { frame: value as ClientFrame };
}

function sendError(conn: Connection, code: ErrorCode | string, message: string, ref?: string, retryAfterMs?: number): void {
  conn.send({ type: 'error', code, message, ...(ref !== undefined ? { ref } : {}), ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
}

export default async function wsRoutes(app: FastifyInstance): Promise<void> {
  const { config, hub, repos, writer } = app;
  const limits = {
    softBufferBytes: config.limits.wsSoftBufferBytes,
    hardBufferBytes: config.limits.wsHardBufferBytes,
    sendRatePerSec: config.limits.sendRatePerSec,
    sendBurst: config.limits.sendBurst,
  };

  const frameRate = Math.max(FRAME_RATE_PER_SEC, 2 * config.limits.sendRatePerSec);
  const frameBurst = Math.max(FRAME_BURST, 2 * config.limits.sendBurst);

  const reportFailure = (conn: Connection, err: unknown, ref: string | undefined): void => {
    if (err instanceof AppError) {
      sendError(conn, err.code, err.message, ref, err.extra.retryAfterMs);
      return;
    }
    app.log.error({ err, userId: conn.user.id }, 'websocket frame failed');
    sendError(conn, 'INTERNAL', 'Something went wrong on our side', ref);
  };

  /** Membership error for a room the connection is not allowed to use. */
  const refusal = async (conn: Connection, roomId: string): Promise<AppError | null> =>
    accessError(await repos.rooms.access(roomId, conn.user.id));

  const handleSubscribe = async (conn: Connection, frame: Static<typeof SubscribeFrame>): Promise<void> => {
    const { roomId, sinceSeq } = frame;
    if (!conn.subs.has(roomId) && conn.subs.size >= MAX_SUBSCRIPTIONS) {
      throw new AppError(400, 'VALIDATION', `At most ${MAX_SUBSCRIPTIONS} rooms per connection`);
    }
    // Register first (buffering), then read: whatever commits meanwhile is either in the read or
    // in the buffer (or both: the seq check drops the copy). No gap, no duplicate.
    const sub = { live: false, lastSeq: 0, buffer: [] as { seq: number; json: string }[] };
    hub.registry.subscribe(conn, roomId, sub);
    try {
      // Several instances: the room's bus feed must be live before we read where the room is.
      const feedReady = hub.roomReady(roomId);
      if (feedReady) await feedReady;
      const access = await repos.rooms.access(roomId, conn.user.id);
      requireMember(access);
      const lastSeq = Number(access.room.lastSeq);
      const recovered = sinceSeq === undefined || lastSeq - sinceSeq <= config.limits.recoveryMaxMessages;
      const current = () => !conn.closed && conn.subs.get(roomId) === sub;
      if (!current()) return; // closed or unsubscribed meanwhile
      conn.send({ type: 'subscribed', roomId, lastSeq, recovered, online: hub.presence.onlineIn(roomId) });
      // Replay what was missed up to lastSeq, a page at a time and paced by the socket, so a large
      // resume never floods a healthy client past the buffer bound; newer messages are buffered.
      let sent = recovered && sinceSeq !== undefined ? sinceSeq : lastSeq;
      while (sent < lastSeq) {
        const page = await repos.messages.page({ roomId, after: sent, limit: REPLAY_PAGE });
        if (!current()) return;
        for (const m of page.messages) {
          if (m.seq <= sent) continue;
          conn.sendDurable(JSON.stringify({ type: 'message', message: m }));
          sent = m.seq;
        }
        if (!page.hasMore || !page.messages.length || !(await conn.drained())) break;
        if (!current()) return;
      }
      while (sub.buffer.length) {
        const chunk = sub.buffer.splice(0, REPLAY_PAGE);
        for (const b of chunk) {
          if (b.seq <= sent) continue;
          conn.sendDurable(b.json);
          sent = b.seq;
        }
        if (sub.buffer.length && !(await conn.drained())) return;
        if (!current()) return;
      }
      sub.lastSeq = Math.max(sent, lastSeq);
      sub.live = true;
    } catch (err) {
      if (conn.subs.get(roomId) === sub) hub.registry.unsubscribe(conn, roomId);
      throw err;
    }
  };

  const handleSend = (conn: Connection, frame: Static<typeof SendFrame>): void => {
    const { roomId, clientMsgId } = frame;
    if (app.shuttingDown) return reportFailure(conn, errors.unavailable(), clientMsgId);
    const wait = conn.sendBucket.take();
    if (wait > 0) return reportFailure(conn, errors.rateLimited(wait, 'Sending too fast'), clientMsgId);
    const body = cleanMessageBody(frame.body, config.limits.messageMaxChars);
    writer.send({ roomId, author: conn.user, clientMsgId, body }, conn).then(
      (result) => {
        // New messages are acked by the hub in seq order; a reused clientMsgId gets its original.
        if (!result.created) conn.send({ type: 'ack', clientMsgId, message: result.message });
      },
      (err: unknown) => reportFailure(conn, err, clientMsgId),
    );
  };

  const handleTyping = async (conn: Connection, frame: Static<typeof TypingFrame>): Promise<void> => {
    if (!conn.subs.get(frame.roomId)?.live) {
      const denied = await refusal(conn, frame.roomId);
      if (denied) throw denied;
    }
    hub.typing.update(frame.roomId, conn.user, frame.isTyping, conn.id);
  };

  const handleRead = async (conn: Connection, frame: Static<typeof ReadFrame>): Promise<void> => {
    const seq = await repos.rooms.markRead(frame.roomId, conn.user.id, frame.seq);
    if (seq === null) throw (await refusal(conn, frame.roomId)) ?? errors.notAMember();
    hub.readMoved(conn.user.id, frame.roomId, seq, conn);
  };

  const dispatch = (conn: Connection, frame: ClientFrame, chain: { tail: Promise<void> }): void => {
    switch (frame.type) {
      case 'ping':
        conn.send({ type: 'pong' });
        return;
      case 'send':
        try {
          handleSend(conn, frame);
        } catch (err) {
          reportFailure(conn, err, frame.clientMsgId);
        }
        return;
      case 'subscribe':
      case 'unsubscribe': {
        // Subscription changes of one connection apply in the order they were sent.
        const run =
          frame.type === 'subscribe'
            ? () => handleSubscribe(conn, frame)
            : async () => {
                hub.typing.clearConnection(conn.id, frame.roomId);
                hub.registry.unsubscribe(conn, frame.roomId);
              };
        chain.tail = chain.tail.then(run).catch((err: unknown) => reportFailure(conn, err, frame.roomId));
        return;
      }
      case 'typing':
        handleTyping(conn, frame).catch((err: unknown) => reportFailure(conn, err, frame.roomId));
        return;
      case 'read':
        handleRead(conn, frame).catch((err: unknown) => reportFailure(conn, err, frame.roomId));
        return;
    }
  };

  app.get(
    '/ws',
    {
      websocket: true,
      schema: { hide: true },
      preValidation: async (request: FastifyRequest) => {
        const origin = request.headers.origin;
        if (origin && !app.isAllowedOrigin(request, origin)) {
          throw new AppError(403, 'FORBIDDEN_ORIGIN', 'WebSocket connections from this origin are not allowed');
        }
        if (!(await app.resolveAuth(request))) throw errors.unauthorized();
        if (app.shuttingDown) throw errors.unavailable();
      },
    },
    (socket: WebSocket, request: FastifyRequest) => {
      const auth = request.auth!;
      const conn = new Connection(socket, auth.user, auth.sessionId, limits);
      const frameBucket = new TokenBucket(frameRate, frameBurst);
      const chain = { tail: Promise.resolve() };
      let announced = false;
      let pending: [RawData, boolean][] | null = [];

      const handle = (data: RawData, isBinary: boolean): void => {
        if (conn.closed) return;
        if (frameBucket.take() > 0) {
          conn.close(CLOSE.POLICY, 'flooding');
          return;
        }
        if (isBinary) {
          sendError(conn, 'VALIDATION', 'Only text frames are accepted');
          conn.strike();
          return;
        }
        const parsed = parseFrame(data.toString());
        if ('error' in parsed) {
          sendError(conn, 'VALIDATION', parsed.error, parsed.ref);
          conn.strike();
          return;
        }
        try {
          dispatch(conn, parsed.frame, chain);
        } catch (err) {
          reportFailure(conn, err, undefined);
        }
      };

      // Listeners first, before any await: frames that arrive during set-up wait in `pending`.
      socket.on('message', (data: RawData, isBinary: boolean) => {
        conn.alive = true;
        if (pending) pending.push([data, isBinary]);
        else handle(data, isBinary);
      });
      socket.on('pong', () => {
        conn.alive = true;
      });
      socket.on('close', () => hub.detach(conn, announced));
      socket.on('error', (err) => app.log.debug({ err }, 'websocket error'));

      hub.attach(conn);
      conn.send({ type: 'ready', user: auth.user, protocol: PROTOCOL_VERSION, heartbeatMs: config.heartbeatMs });

      repos.rooms
        .roomIdsOf(auth.user.id)
        .then((roomIds) => {
          if (conn.closed) return;
          hub.announce(conn, roomIds);
          announced = true;
        })
        .catch((err: unknown) => app.log.error({ err }, 'loading rooms for presence failed'))
        .finally(() => {
          const queued = pending ?? [];
          pending = null;
          for (const [data, isBinary] of queued) handle(data, isBinary);
        });
    },
  );
}
