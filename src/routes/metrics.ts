/**
 * GET /metrics: Prometheus text format (services/metrics.ts), outside /api and never the SPA.
 * Without METRICS_TOKEN the route answers exactly like an unknown one (404 NOT_FOUND), so it is not
 * discoverable; with it, only `Authorization: Bearer <METRICS_TOKEN>` gets the metrics and
 * anything else is 401 UNAUTHORIZED. The token is compared in constant time (both sides hashed
 * first, so neither its length nor a common prefix shows in the timing). Not load-shed: the
 * metrics matter most while the server is overloaded (plugins/load-shedding.ts).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AppError, errors } from '../lib/errors.js';
import { ErrorBody } from '../protocol.js';

/** RFC 6750 b64token: what may follow "Bearer " (METRICS_TOKEN is checked against it at start-up). */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/** Whether the Authorization header carries exactly the token. */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const found = header === undefined ? null : BEARER.exec(header.trim());
  // Compared even without a well-formed header, so a malformed one costs the same time.
  const equal = timingSafeEqual(digest(found?.[1] ?? ''), digest(token));
  return found !== null && equal;
}

const metricsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/metrics',
    { schema: { hide: true, response: { 200: Type.String(), 401: ErrorBody, 404: ErrorBody } } },
    async (request, reply) => {
      const { metrics } = app;
      const token = app.config.metricsToken;
      if (!metrics || !token) throw new AppError(404, 'NOT_FOUND', `Route ${request.method} /metrics not found`);
      if (!bearerMatches(request.headers.authorization, token)) {
        reply.header('www-authenticate', 'Bearer realm="metrics"');
        throw errors.unauthorized('GET /metrics needs Authorization: Bearer <METRICS_TOKEN>');
      }
      reply.header('cache-control', 'no-store').type(metrics.contentType);
      return metrics.text();
    },
  );
};

export default metricsRoutes;
