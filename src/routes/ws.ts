/**
 * GET /ws: the upgrade. Authenticated here (cookie or Bearer; a browser Origin must be allowed),
 * refused with 429 RATE_LIMITED above the connection caps per user and per IP (connection-caps.ts),
 * then the socket belongs to its session (src/realtime/socket-session.ts), which parses every
 * frame and dispatches it to its handler (src/realtime/handlers/frame-handlers.ts).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { AppError, errors } from '../lib/errors.js';
import { sharedCheck } from '../lib/shared-check.js';
import { withTimeout } from '../lib/timeout.js';
import { createConnectReads } from '../realtime/connect-reads.js';
import { createFrameHandlers } from '../realtime/handlers/frame-handlers.js';
import { releaseOnClose, takeSlot } from '../realtime/connection-caps.js';
import { startSession, type SessionOptions } from '../realtime/socket-session.js';

export default async function wsRoutes(app: FastifyInstance): Promise<void> {
  const { config, hub, broker, repos, writer } = app;
  // Connecting and subscribing sockets read in batches (a reconnect storm's thousands at once).
  const reads = createConnectReads(repos.connectReads, repos.roomLog);
  // The session may come from the cache: the database is still checked (one shared ping per second at most).
  const databaseAnswers = sharedCheck(() => withTimeout(app.database.ping(), config.dbTimeoutMs, 'database ping'), 1000);
  const session: SessionOptions = {
    hub,
    handlers: createFrameHandlers({
      hub,
      events: broker,
      writer,
      rooms: { access: reads.access, markRead: repos.rooms.markRead },
      eventsAfter: reads.eventsAfter,
      messageMaxChars: config.limits.messageMaxChars,
      recoveryMaxMessages: config.limits.recoveryMaxMessages,
    }),
    limits: {
      softBufferBytes: config.limits.wsSoftBufferBytes,
      hardBufferBytes: config.limits.wsHardBufferBytes,
      sendRatePerSec: config.limits.sendRatePerSec,
      sendBurst: config.limits.sendBurst,
    },
    heartbeatMs: config.heartbeatMs,
    roomIdsOf: reads.roomIdsOf,
    log: app.log,
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
        const auth = await app.resolveAuth(request);
        if (!auth) throw errors.unauthorized();
        if (app.shuttingDown) throw errors.unavailable();
        await databaseAnswers().catch(() => {
          throw errors.databaseUnavailable();
        });
        // Last, so that nothing refuses the upgrade after a slot is taken; the slot is given back
        // when the TCP connection closes before the upgrade finished, else when the WebSocket does.
        const slot = await app.connectionCaps.reserve(auth.user.id, request.ip);
        releaseOnClose(request.raw.socket, slot);
      },
    },
    (socket: WebSocket, request: FastifyRequest) => {
      const auth = request.auth!;
      startSession(session, socket, { user: auth.user, sessionId: auth.sessionId }, takeSlot(request.raw.socket));
    },
  );
}
