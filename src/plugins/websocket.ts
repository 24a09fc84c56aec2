/**
 * The WebSocket server (@fastify/websocket) and the shutdown sequence of the real-time side.
 * Shutdown order, in `preClose` (before Fastify stops the HTTP server): refuse new sends, let
 * accepted ones commit and be acknowledged, close every socket with 1001 (clients reconnect and
 * resume with sinceSeq), then close the WebSocket server. The services' own `onClose` (broker,
 * throttles, database) runs after this, so nothing is closed under a pending write.
 * What HTTP requests get meanwhile is in plugins/shutdown.ts.
 */
import fp from 'fastify-plugin';
import fastifyWebsocket from '@fastify/websocket';
import { CLOSE } from '../protocol.js';

export default fp(
  async (app) => {
    await app.register(fastifyWebsocket, {
      // The hub tracks every socket (it closes them all with 1001 on shutdown): ws's own client Set
      // would cost each idle socket a Set entry, a close listener and its closure for nothing.
      options: { maxPayload: app.config.limits.wsMaxFrameBytes, clientTracking: false },
      errorHandler: (error, socket, request) => {
        request.log.error({ err: error }, 'websocket handler failed');
        socket.close(CLOSE.POLICY, 'internal error');
      },
      preClose: async () => {
        app.shuttingDown = true; // first: from here on plugins/shutdown.ts refuses new requests
        await app.writer.close();
        app.hub.close(CLOSE.GOING_AWAY, 'server going away');
        await new Promise<void>((resolve) => app.websocketServer.close(() => resolve()));
      },
    });
  },
  { name: 'websocket', dependencies: ['services'] },
);
