import { hash, verify } from '@node-rs/argon2';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AuthResponse, errorResponses, LIMITS, User, Username } from '../protocol.js';
import { AppError, errors } from '../lib/errors.js';
import { createLoginGuard } from '../lib/login-guard.js';
import { toUser } from '../repositories/mappers.js';
import { SESSION_COOKIE } from '../plugins/auth.js';

/** argon2id with OWASP's minimum: 19 MiB, 2 iterations, 1 lane. */
export const ARGON2 = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;
const { PASSWORD_MIN, PASSWORD_MAX } = LIMITS;
const notAGuest = () => new AppError(409, 'NOT_A_GUEST', 'This account is already a full account');


const authRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { config, limiter, repos } = app;
  // Compared against when the login names nobody, so both paths take the same time.
  const dummyHash = await hash('not-a-real-password', ARGON2);
  const guard = createLoginGuard(limiter, config.limits);

  app.post(
    '/auth/register',
    {
      schema: {
        tags: ['auth'],
        body: Type.Object({
          username: Username,
          password: Type.String({ minLength: PASSWORD_MIN, maxLength: PASSWORD_MAX }),
          email: Type.Optional(Type.String({ format: 'email', maxLength: 254 })),
        }),
        response: { 201: AuthResponse, ...errorResponses(400, 409, 429) },
      },
    },
    async (request, reply) => {
      const throttle = await limiter.hit(`register:ip:${request.ip}`, config.limits.registerPerHour, 3_600_000);
      if (!throttle.allowed) throw errors.rateLimited(throttle.retryAfterMs, 'Too many sign-ups from this address');
      const { username, password, email } = request.body;
      const row = await repos.users.create({
        username,
        email: email ? email.toLowerCase() : null,
        passwordHash: await hash(password, ARGON2),
      });
      const user = toUser(row);
      const token = await app.startSession(reply, user);
      return reply.code(201).send({ user, token });
    },
  );

  // A guest: an account with a name and no password (see room-access.ts for what it may do).
  app.post(
    '/auth/guest',
    {
      schema: {
        tags: ['auth'],
        body: Type.Object({ username: Username }),
        response: { 201: AuthResponse, ...errorResponses(400, 409, 429) },
      },
    },
    async (request, reply) => {
      const throttle = await limiter.hit(`guest:ip:${request.ip}`, config.limits.guestCreatePerHour, 3_600_000);
      if (!throttle.allowed) throw errors.rateLimited(throttle.retryAfterMs, 'Too many guest accounts from this address');
      const row = await repos.users.create({ username: request.body.username, email: null, passwordHash: null, isGuest: true });
      const user = toUser(row);
      const token = await app.startSession(reply, user);
      return reply.code(201).send({ user, token });
    },
  );

  // A guest becomes a full account in place: same id, rooms, messages and sessions.
  app.post(
    '/auth/upgrade',
    {
      preHandler: app.requireAuth,
      schema: {
        tags: ['auth'],
        body: Type.Object({
          password: Type.String({ minLength: PASSWORD_MIN, maxLength: PASSWORD_MAX }),
          email: Type.Optional(Type.String({ format: 'email', maxLength: 254 })),
        }),
        response: { 200: Type.Object({ user: User }), ...errorResponses(400, 401, 403, 409) },
      },
    },
    async (request) => {
      const { user } = request.auth!;
      if (!user.isGuest) throw notAGuest();
      const { password, email } = request.body;
      const row = await repos.users.upgradeGuest(user.id, { passwordHash: await hash(password, ARGON2), email: email ? email.toLowerCase() : null });
      if (!row) throw notAGuest(); // upgraded meanwhile by another request
      const upgraded = toUser(row);
      await app.broker.userUpdated(upgraded);
      return { user: upgraded };
    },
  );

  app.post(
    '/auth/login',
    {
      schema: {
        tags: ['auth'],
        body: Type.Object({
          login: Type.String({ minLength: 1, maxLength: 254 }),
          password: Type.String({ minLength: 1, maxLength: PASSWORD_MAX }),
        }),
        response: { 200: AuthResponse, ...errorResponses(400, 401, 429) },
      },
    },
    async (request, reply) => {
      const { login, password } = request.body;
      const row = await repos.users.findByLogin(login);
      // Failures count per account (username and email share one counter), per unknown name, and per IP.
      const account = row ? `account:${row.id}` : `name:${login.toLowerCase()}`;
      // Unknown names are verified against a dummy hash (same time), and never succeed.
      const device = app.deviceOf(request);
      const known = row && device?.userId === row.id ? device.deviceId : null;
      // A guest (or removed guest) has no password: it never logs in, and takes the same time failing.
      const hashed = row?.passwordHash ?? null;
      const ok = await guard.attempt({ account, ip: request.ip, device: known }, async () => (await verify(hashed ?? dummyHash, password)) && hashed !== null);
      if (!row || !ok) throw new AppError(401, 'INVALID_CREDENTIALS', 'Wrong username, email or password');
      const user = toUser(row);
      const token = await app.startSession(reply, user);
      return { user, token };
    },
  );

  app.post(
    '/auth/logout',
    { schema: { tags: ['auth'] } },
    async (request, reply) => {
      const auth = await app.resolveAuth(request);
      if (auth) {
        app.checkOrigin(request, auth);
        await repos.users.deleteSession(auth.sessionId);
        app.sessionActivity.forget([auth.sessionId]);
        // Answered only once every instance has evicted it (cache and sockets).
        await app.broker.sessionEnded(auth.sessionId);
      }
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.code(204).send();
    },
  );

  app.get(
    '/auth/me',
    {
      preHandler: app.requireAuth,
      schema: { tags: ['auth'], response: { 200: Type.Object({ user: User }), ...errorResponses(401) } },
    },
    async (request) => ({ user: request.auth!.user }),
  );

  // The app's start-up probe: "who am I, if anyone". Same session lookup as /me, but anonymous is
  // an answer (200 with null), not an error, so a logged-out page load logs no failed request.
  // /me keeps its 401 for clients that want one.
  app.get(
    '/auth/session',
    {
      schema: {
        tags: ['auth'],
        response: { 200: Type.Object({ user: Type.Union([User, Type.Null()]) }) },
      },
    },
    async (request, reply) => {
      const auth = await app.resolveAuth(request);
      reply.header('cache-control', 'no-store');
      return { user: auth?.user ?? null };
    },
  );
};

export default authRoutes;
