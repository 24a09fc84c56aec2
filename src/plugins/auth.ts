/**
 * Sessions: a signed token (HS256, @fastify/jwt) that names a server-side session row. The row makes
 * tokens revocable: logout deletes it and every request re-checks it: from the session cache
 * (services/session-cache.ts: evicted on every instance before a revocation answers) or with one
 * primary-key lookup. Each use is noted for last_seen_at in memory (services/session-activity.ts).
 * Browsers carry the token in the HttpOnly `rtchat_session` cookie; other clients send it as Bearer.
 *
 * Devices: every successful sign-up or login also sets `rtchat_device`, an HttpOnly cookie signed
 * with a key derived from SESSION_SECRET, naming the account and a random device id. It proves
 * "this client has logged in to this account before" to the login throttle (src/lib/login-guard.ts)
 * and nothing else: it is no session, survives logout, and is sent to /api/auth only.
 */
import { createHmac, randomUUID } from 'node:crypto';
import fp from 'fastify-plugin';
import fastifyCookie from '@fastify/cookie';
import fastifyJwt from '@fastify/jwt';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { User } from '../protocol.js';
import { AppError, errors } from '../lib/errors.js';
import { STORM_READ_PACE_MS, tickBatcher } from '../lib/tick-batch.js';
import { toUser } from '../repositories/mappers.js';
import { LIMITS } from '../protocol-constants.js';
import { cleanUserAgent } from '../lib/text.js';
import { ActivityThrottle, GUEST_ACTIVITY_WRITE_MS } from '../services/guest-sweeper.js';

export const SESSION_COOKIE = 'rtchat_session';
export const DEVICE_COOKIE = 'rtchat_device';
/** How long a device stays known without logging in again (each login renews it). */
const DEVICE_TTL_MS = 365 * 86_400_000;

/** A device cookie checked for signature, shape and age. */
export interface Device {
  userId: string;
  deviceId: string;
}

export interface Auth {
  user: User;
  sessionId: string;
  /** How the token came: cookie requests get the Origin (CSRF) check. */
  via: 'cookie' | 'bearer';
}

interface TokenPayload {
  sid: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    auth: Auth | null;
  }
  interface FastifyInstance {
    /** preHandler: 401 unless the request carries a live session. */
    requireAuth: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
    /** Resolves the request's session, or null. Never throws for a bad token. */
    resolveAuth: (request: FastifyRequest) => Promise<Auth | null>;
    /** Creates a session for the user, sets the cookie and returns the token. */
    startSession: (reply: FastifyReply, user: User) => Promise<string>;
    /** CSRF: throws 403 FORBIDDEN_ORIGIN for a cookie-carried state change from a foreign page. */
    checkOrigin: (request: FastifyRequest, auth: Auth) => void;
    /** The request's valid device cookie, or null (unsigned, tampered, expired or malformed). */
    deviceOf: (request: FastifyRequest) => Device | null;
    /** True when a browser Origin header may talk to us (the allow-list or our own origin). */
    isAllowedOrigin: (request: FastifyRequest, origin: string) => boolean;
  }
}

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const SESSION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export default fp(
  async (app) => {
    const { config } = app;
    // Cookie signatures use their own key, so no signed cookie can ever pass for a JWT or back.
    await app.register(fastifyCookie, { secret: createHmac('sha256', config.sessionSecret).update('rtchat device cookie').digest() });
    await app.register(fastifyJwt, {
      secret: config.sessionSecret,
      sign: { algorithm: 'HS256' },
      verify: { algorithms: ['HS256'] },
    });

    app.decorateRequest('auth', null);

    const tokenOf = (request: FastifyRequest): { token: string; via: Auth['via'] } | null => {
      const header = request.headers.authorization;
      if (header) {
        const match = /^Bearer\s+(\S+)$/i.exec(header);
        return match ? { token: match[1]!, via: 'bearer' } : null;
      }
      const cookie = request.cookies[SESSION_COOKIE];
      return cookie ? { token: cookie, via: 'cookie' } : null;
    };

    app.decorate('isAllowedOrigin', (request: FastifyRequest, origin: string) => {
      if (config.allowedOrigins.includes(origin)) return true;
      return origin === `${request.protocol}://${request.host}`;
    });

    const guestActivity = new ActivityThrottle(GUEST_ACTIVITY_WRITE_MS);
    // Sessions not in the cache are read together (lib/tick-batch.ts): after a restart every
    // client reconnects at once with a cold cache, and each upgrade read its own row.
    const readSession = tickBatcher((ids: string[]) => app.repos.users.findSessions(ids), { paceMs: STORM_READ_PACE_MS });
    app.decorate('resolveAuth', async (request: FastifyRequest) => {
      if (request.auth) return request.auth;
      const found = tokenOf(request);
      if (!found) return null;
      let payload: TokenPayload;
      try {
        payload = app.jwt.verify<TokenPayload>(found.token);
      } catch {
        return null;
      }
      // A UUID exactly: it goes into a batch with others' ids, which one bad cast would fail.
      if (typeof payload.sid !== 'string' || !SESSION_ID.test(payload.sid)) return null;
      const sid = payload.sid.toLowerCase();
      let cached = app.sessionCache.get(sid);
      if (!cached) {
        const generation = app.sessionCache.generation;
        const session = await readSession(sid);
        if (!session) return null;
        cached = { sessionId: session.sessionId, user: toUser(session.user), expiresAt: session.expiresAt.getTime() };
        app.sessionCache.set(cached, generation);
      }
      app.sessionActivity.seen(cached.sessionId);
      // A guest's activity keeps it from the inactive-guest sweep: written at most once an hour.
      if (cached.user.isGuest && guestActivity.due(cached.user.id)) {
        await app.repos.users.touchActivity(cached.user.id, GUEST_ACTIVITY_WRITE_MS).catch((err: unknown) => request.log.warn({ err }, 'guest activity not recorded'));
      }
      request.auth = { user: cached.user, sessionId: cached.sessionId, via: found.via };
      return request.auth;
    });

    app.decorate('requireAuth', async (request: FastifyRequest) => {
      const auth = await app.resolveAuth(request);
      if (!auth) throw errors.unauthorized();
      app.checkOrigin(request, auth);
    });

    // A cookie-carried state change must come from an allowed page (SameSite=Lax already stops
    // cross-site POSTs in modern browsers; this also covers same-site, other-origin pages).
    app.decorate('checkOrigin', (request: FastifyRequest, auth: Auth) => {
      const origin = request.headers.origin;
      if (auth.via === 'cookie' && UNSAFE_METHODS.has(request.method) && origin && !app.isAllowedOrigin(request, origin)) {
        throw new AppError(403, 'FORBIDDEN_ORIGIN', 'Requests from this origin are not allowed');
      }
    });

    const UUID = /^[0-9a-f-]{36}$/;
    app.decorate('deviceOf', (request: FastifyRequest): Device | null => {
      const raw = request.cookies[DEVICE_COOKIE];
      if (!raw) return null;
      const unsigned = request.unsignCookie(raw);
      if (!unsigned.valid || !unsigned.value) return null;
      const [userId, deviceId, issuedAt] = unsigned.value.split('.');
      if (!userId || !deviceId || !UUID.test(userId) || !UUID.test(deviceId)) return null;
      const age = Date.now() - Number(issuedAt);
      return Number.isSafeInteger(Number(issuedAt)) && age >= 0 && age <= DEVICE_TTL_MS ? { userId, deviceId } : null;
    });

    app.decorate('startSession', async (reply: FastifyReply, user: User) => {
      const userAgent = cleanUserAgent(reply.request.headers['user-agent'], LIMITS.USER_AGENT_MAX);
      const session = await app.repos.users.createSession(user.id, config.sessionTtlMs, userAgent);
      const token = app.jwt.sign({ sid: session.id }, { sub: user.id, expiresIn: Math.floor(config.sessionTtlMs / 1000) });
      reply.setCookie(SESSION_COOKIE, token, {
        httpOnly: true,
        sameSite: 'lax',
        secure: reply.request.protocol === 'https',
        path: '/',
        expires: session.expiresAt,
      });
      // The same device keeps its id across logins to the same account.
      const known = app.deviceOf(reply.request);
      const deviceId = known?.userId === user.id ? known.deviceId : randomUUID();
      reply.setCookie(DEVICE_COOKIE, `${user.id}.${deviceId}.${Date.now()}`, {
        signed: true,
        httpOnly: true,
        sameSite: 'lax',
        secure: reply.request.protocol === 'https',
        path: '/api/auth',
        maxAge: DEVICE_TTL_MS / 1000,
      });
      return token;
    });
  },
  { name: 'auth', dependencies: ['services'] },
);
