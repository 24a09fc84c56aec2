/**
 * The account's own security: change the password, list the sessions, sign one out, sign out
 * everywhere else. Every ended session goes through `broker.sessionsEnded`, which evicts it from
 * every instance's session cache and closes its sockets with 4001 BEFORE the request answers.
 *
 * Decisions:
 * - A wrong current password answers 403 INVALID_CREDENTIALS (not 401: the caller IS signed in)
 *   and counts as a failed login for the account (src/lib/login-guard.ts), so a stolen session
 *   cannot be used to guess the password faster than the login form allows.
 * - Changing the password keeps the current session and ends every other one.
 * - DELETE /auth/sessions/:id of another user's session (or an unknown one) is 404
 *   SESSION_NOT_FOUND: session ids of others are never confirmed. Deleting the current session is
 *   a logout (its cookie is cleared).
 * - "Sign out everywhere else" is POST /auth/sessions/revoke-others -> 200 {revoked}.
 */
import { hash, verify } from '@node-rs/argon2';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorResponses, Id, LIMITS, Timestamp } from '../protocol.js';
import { AppError, errors } from '../lib/errors.js';
import { createLoginGuard } from '../lib/login-guard.js';
import { toIso } from '../lib/text.js';
import { SESSION_COOKIE } from '../plugins/auth.js';
import { ARGON2 } from './auth.js';

const SessionView = Type.Object({
  id: Id,
  createdAt: Timestamp,
  lastSeenAt: Timestamp,
  userAgent: Type.Union([Type.String(), Type.Null()]),
  current: Type.Boolean(),
});

const accountRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { config, limiter, repos } = app;
  const guard = createLoginGuard(limiter, config.limits);

  app.post(
    '/auth/password',
    {
      preHandler: app.requireAuth,
      schema: {
        tags: ['auth'],
        body: Type.Object({
          currentPassword: Type.String({ minLength: 1, maxLength: LIMITS.PASSWORD_MAX }),
          newPassword: Type.String({ minLength: LIMITS.PASSWORD_MIN, maxLength: LIMITS.PASSWORD_MAX }),
        }),
        response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 429) },
      },
    },
    async (request, reply) => {
      const { user, sessionId } = request.auth!;
      const row = await repos.users.findById(user.id);
      if (!row) throw errors.unauthorized();
      const { passwordHash } = row;
      if (!passwordHash) throw new AppError(403, 'FORBIDDEN', 'A guest has no password: upgrade to a full account first');
      const device = app.deviceOf(request);
      const known = device?.userId === row.id ? device.deviceId : null;
      const ok = await guard.attempt({ account: `account:${row.id}`, ip: request.ip, device: known }, () => verify(passwordHash, request.body.currentPassword));
      if (!ok) throw new AppError(403, 'INVALID_CREDENTIALS', 'The current password is wrong');
      const ended = await repos.users.replacePassword(row.id, await hash(request.body.newPassword, ARGON2), sessionId);
      app.sessionActivity.forget(ended);
      await app.broker.sessionsEnded(ended);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/auth/sessions',
    {
      preHandler: app.requireAuth,
      schema: { tags: ['auth'], response: { 200: Type.Object({ sessions: Type.Array(SessionView) }), ...errorResponses(401) } },
    },
    async (request, reply) => {
      const { user, sessionId } = request.auth!;
      const rows = await repos.users.listSessions(user.id);
      reply.header('cache-control', 'no-store');
      const sessions = rows.map((r) => {
        const pending = app.sessionActivity.pendingFor(r.id);
        const lastSeenAt = pending && pending > r.lastSeenAt ? pending : r.lastSeenAt;
        return { id: r.id, createdAt: toIso(r.createdAt), lastSeenAt: toIso(lastSeenAt), userAgent: r.userAgent, current: r.id === sessionId };
      });
      // The current one first, then by last activity (what this instance noted counts).
      sessions.sort((a, b) => Number(b.current) - Number(a.current) || b.lastSeenAt.localeCompare(a.lastSeenAt));
      return { sessions };
    },
  );

  app.delete(
    '/auth/sessions/:sessionId',
    {
      preHandler: app.requireAuth,
      schema: {
        tags: ['auth'],
        params: Type.Object({ sessionId: Id }),
        response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const { user, sessionId: current } = request.auth!;
      const target = request.params.sessionId.toLowerCase();
      if (!(await repos.users.deleteOwnSession(user.id, target))) {
        throw new AppError(404, 'SESSION_NOT_FOUND', 'Session not found');
      }
      app.sessionActivity.forget([target]);
      await app.broker.sessionsEnded([target]);
      if (target === current) reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/auth/sessions/revoke-others',
    {
      preHandler: app.requireAuth,
      schema: { tags: ['auth'], response: { 200: Type.Object({ revoked: Type.Integer({ minimum: 0 }) }), ...errorResponses(401, 403) } },
    },
    async (request) => {
      const { user, sessionId } = request.auth!;
      const ended = await repos.users.deleteOtherSessions(user.id, sessionId);
      app.sessionActivity.forget(ended);
      await app.broker.sessionsEnded(ended);
      return { revoked: ended.length };
    },
  );
};

export default accountRoutes;
