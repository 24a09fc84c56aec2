/**
 * The HTTP side of a graceful shutdown (the sequence itself is the websocket plugin's preClose,
 * which raises `app.shuttingDown` first):
 * - a request arriving after that is answered 503 UNAVAILABLE in the contract's shape (Fastify's
 *   own closing 503 has no `code`, so `return503OnClosing` is off); the health probes keep their
 *   own answers (/readyz says "shutting down");
 * - every response sent meanwhile carries `Connection: close`: Node's server.close() ends only
 *   the connections idle at that moment, and a keep-alive one finishing its request later would
 *   otherwise hold the shutdown until HTTP_KEEPALIVE_TIMEOUT_MS.
 */
import fp from 'fastify-plugin';
import { errors } from '../lib/errors.js';

const PROBES = new Set(['/healthz', '/readyz']);

export default fp(
  async (app) => {
    app.addHook('onRequest', async (request) => {
      if (app.shuttingDown && !PROBES.has(request.url.split('?')[0] ?? '')) throw errors.unavailable();
    });
    app.addHook('onSend', async (_request, reply, payload) => {
      if (app.shuttingDown) reply.header('connection', 'close');
      return payload;
    });
  },
  { name: 'shutdown', dependencies: ['services'] },
);
