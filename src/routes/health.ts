import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ErrorBody } from '../protocol.js';
import { withTimeout } from '../lib/timeout.js';

const Status = Type.Object({ status: Type.String(), detail: Type.Optional(Type.String()) });

const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/healthz', { schema: { tags: ['health'], response: { 200: Status } } }, async () => ({ status: 'ok' }));

  app.get(
    '/readyz',
    { schema: { tags: ['health'], response: { 200: Status, 503: Type.Union([Status, ErrorBody]) } } },
    async (_request, reply) => {
      if (app.shuttingDown) return reply.code(503).send({ status: 'shutting down' });
      try {
        await withTimeout(app.database.ping(), 2000, 'database ping');
        // Without Redis this instance still serves its own connections (and every message is in
        // Postgres), so it stays in the load balancer: 200, but saying it is degraded.
        const bus = app.broker.status();
        if (!bus.healthy) return { status: 'degraded', detail: bus.detail ?? 'message bus unavailable' };
        const files = app.sharedFiles?.status();
        if (files && !files.ok) return { status: 'degraded', detail: files.detail };
        return { status: 'ready' };
      } catch (err) {
        // An outage is an expected state here: one warn line with the reason, no stack.
        app.log.warn({ reason: err instanceof Error ? err.message : String(err) }, 'readiness check: database did not answer');
        return reply.code(503).send({ status: 'database unavailable' });
      }
    },
  );
};

export default healthRoutes;
