import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  errorResponses,
  Id,
  JoinedRoomsResponse,
  MembersResponse,
  RoomListResponse,
  RoomResponse,
  Seq,
  LIMITS,
  UUID_PATTERN,
} from '../protocol.js';
import { AppError, errors } from '../lib/errors.js';
import { hasForbiddenControl } from '../lib/text.js';
import { toRoom } from '../repositories/mappers.js';
import { requireMember, requireVisible } from '../services/room-access.js';

export const RoomParams = Type.Object({ roomId: Id });

const { ROOM_NAME_MAX: NAME_MAX, ROOM_DESCRIPTION_MAX: DESCRIPTION_MAX } = LIMITS;
const UUID = new RegExp(UUID_PATTERN);
/** Exactly what Date#toISOString writes for years 0000-9999. */
const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Opaque cursors: base64url JSON, checked on the way back in. */
export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}
export function decodeCursor<T>(cursor: string | undefined, check: (v: unknown) => v is T): T | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (check(value)) return value;
  } catch {
    // fall through
  }
  throw errors.validation('querystring/cursor is not a cursor this server issued');
}

function cleanName(raw: string): string {
  const name = raw.trim().replace(/\s+/g, ' ');
  if (!name) throw errors.validation('body/name must not be blank');
  if (hasForbiddenControl(raw)) throw errors.validation('body/name contains control characters');
  return name;
}

const roomsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { repos, hub, broker, limiter, config } = app;
  app.addHook('preHandler', app.requireAuth);

  app.get(
    '/rooms',
    {
      schema: {
        tags: ['rooms'],
        querystring: Type.Object({
          q: Type.Optional(Type.String({ maxLength: 100 })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
          cursor: Type.Optional(Type.String({ maxLength: 200 })),
        }),
        response: { 200: RoomListResponse, ...errorResponses(400, 401) },
      },
    },
    async (request) => {
      const { q = '', limit = 20, cursor } = request.query;
      const offset =
        decodeCursor(cursor, (v): v is { o: number } => typeof (v as { o?: unknown })?.o === 'number' && Number.isInteger((v as { o: number }).o) && (v as { o: number }).o >= 0 && (v as { o: number }).o <= 1_000_000)?.o ?? 0;
      if (hasForbiddenControl(q)) throw errors.validation('querystring/q contains control characters');
      const page = await repos.rooms.listPublic({ userId: request.auth!.user.id, q: q.trim(), limit, offset });
      return { rooms: page.rooms, nextCursor: page.hasMore ? encodeCursor({ o: offset + limit }) : null };
    },
  );

  app.get(
    '/rooms/joined',
    { schema: { tags: ['rooms'], response: { 200: JoinedRoomsResponse, ...errorResponses(401) } } },
    async (request) => ({ rooms: await repos.rooms.listJoined(request.auth!.user.id) }),
  );

  app.post(
    '/rooms',
    {
      schema: {
        tags: ['rooms'],
        body: Type.Object({
          name: Type.String({ minLength: 1, maxLength: NAME_MAX }),
          description: Type.Optional(Type.String({ maxLength: DESCRIPTION_MAX })),
          isPrivate: Type.Optional(Type.Boolean()),
        }),
        response: { 201: RoomResponse, ...errorResponses(400, 401, 409) },
      },
    },
    async (request, reply) => {
      const { name, description = '', isPrivate = false } = request.body;
      if (hasForbiddenControl(description)) throw errors.validation('body/description contains control characters');
      const room = await repos.rooms.create({
        ownerId: request.auth!.user.id,
        name: cleanName(name),
        description: description.trim(),
        isPrivate,
      });
      // The owner is the first member (nobody is subscribed yet); other instances holding the
      // owner's sockets count them online in the new room too.
      broker.memberJoined(room.id, request.auth!.user);
      return reply.code(201).send({ room: toRoom(room), ...(room.isPrivate ? { inviteCode: room.inviteCode } : {}) });
    },
  );

  app.get(
    '/rooms/:roomId',
    {
      schema: {
        tags: ['rooms'],
        params: RoomParams,
        response: { 200: RoomResponse, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => {
      const access = await repos.rooms.access(request.params.roomId, request.auth!.user.id);
      requireVisible(access);
      return { room: toRoom(access.room), ...(access.room.isPrivate ? { inviteCode: access.room.inviteCode } : {}) };
    },
  );

  app.post(
    '/rooms/:roomId/join',
    {
      schema: {
        tags: ['rooms'],
        params: RoomParams,
        response: { 200: Type.Object({ room: RoomResponse.properties.room }), ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => {
      const { user } = request.auth!;
      const access = await repos.rooms.access(request.params.roomId, user.id);
      requireVisible(access);
      if (access.role) return { room: toRoom(access.room) };
      const result = await repos.rooms.join(access.room.id, user.id);
      if (!result) throw errors.roomNotFound();
      if (result.added) broker.memberJoined(access.room.id, user);
      return { room: toRoom(result.room) };
    },
  );

  app.post(
    '/rooms/join',
    {
      schema: {
        tags: ['rooms'],
        body: Type.Object({ inviteCode: Type.String({ minLength: 1, maxLength: 100 }) }),
        response: { 200: Type.Object({ room: RoomResponse.properties.room }), ...errorResponses(400, 401, 404, 429) },
      },
    },
    async (request) => {
      const { user } = request.auth!;
      const throttle = await limiter.hit(`invite:user:${user.id}`, config.limits.invitePerMinute, 60_000);
      if (!throttle.allowed) throw errors.rateLimited(throttle.retryAfterMs, 'Too many invite attempts');
      const room = await repos.rooms.findByInviteCode(request.body.inviteCode.trim());
      if (!room) throw new AppError(404, 'INVALID_INVITE', 'That invite code is not valid');
      const result = await repos.rooms.join(room.id, user.id);
      if (!result) throw new AppError(404, 'INVALID_INVITE', 'That invite code is not valid');
      if (result.added) broker.memberJoined(room.id, user);
      return { room: toRoom(result.room) };
    },
  );

  app.post(
    '/rooms/:roomId/leave',
    {
      schema: {
        tags: ['rooms'],
        params: RoomParams,
        response: { 204: Type.Null(), ...errorResponses(400, 401, 404) },
      },
    },
    async (request, reply) => {
      const { user } = request.auth!;
      const access = await repos.rooms.access(request.params.roomId, user.id);
      requireVisible(access);
      const result = access.role ? await repos.rooms.leave(access.room.id, user.id) : null;
      if (!result) throw new AppError(404, 'NOT_A_MEMBER', 'You are not a member of this room');
      broker.memberLeft(access.room.id, user);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/rooms/:roomId/members',
    {
      schema: {
        tags: ['rooms'],
        params: RoomParams,
        querystring: Type.Object({
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 100 })),
          cursor: Type.Optional(Type.String({ maxLength: 200 })),
        }),
        response: { 200: MembersResponse, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const access = await repos.rooms.access(request.params.roomId, request.auth!.user.id);
      requireMember(access);
      const { limit = 100, cursor } = request.query;
      const after = decodeCursor(
        cursor,
        (v): v is [string, string] =>
          Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && ISO_MS.test(v[0]) && !Number.isNaN(Date.parse(v[0])) && typeof v[1] === 'string' && UUID.test(v[1]),
      );
      const page = await repos.rooms.members({
        roomId: access.room.id,
        limit,
        after: after ? { joinedAt: new Date(after[0]), userId: after[1] } : undefined,
      });
      const last = page.members.at(-1);
      return {
        members: page.members.map((m) => ({ ...m, online: hub.presence.isOnline(m.user.id) })),
        nextCursor: page.hasMore && last ? encodeCursor([last.joinedAt, last.user.id]) : null,
      };
    },
  );

  app.post(
    '/rooms/:roomId/read',
    {
      schema: {
        tags: ['rooms'],
        params: RoomParams,
        body: Type.Object({ seq: Seq }),
        response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const { user } = request.auth!;
      const { roomId } = request.params;
      const seq = await repos.rooms.markRead(roomId, user.id, request.body.seq);
      if (seq === null) {
        requireMember(await repos.rooms.access(roomId, user.id));
        throw errors.notAMember();
      }
      broker.readMoved(user.id, roomId, seq);
      return reply.code(204).send(null);
    },
  );
};

export default roomsRoutes;
