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
} from '../protocol.js';
import { decodeCursor, encodeCursor, isCursorInt, isCursorTime, isUuid } from '../lib/cursor.js';
import { AppError, errors } from '../lib/errors.js';
import { cleanDescription, cleanQuery, cleanRoomName } from '../lib/text.js';
import { toRoom, toUser } from '../repositories/mappers.js';
import type { RoomAccess } from '../repositories/rooms-repository.js';
import { createRoomRefusal, invalidInvite, requireJoinable, requireMember, requireVisible } from '../services/room-access.js';
import type { User } from '../protocol.js';

export const RoomParams = Type.Object({ roomId: Id });

const { ROOM_NAME_MAX: NAME_MAX, ROOM_DESCRIPTION_MAX: DESCRIPTION_MAX } = LIMITS;
/** Offsets of the public room list stop here: deeper pages are a search away. */
const MAX_LIST_OFFSET = 1_000_000;
const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const roomsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { repos, hub, broker, limiter, config } = app;
  app.addHook('preHandler', app.requireAuth);
  // Rooms from before look-alike keys get theirs once, before the first request is served.
  const keyless = await repos.rooms.backfillNameKeys();
  if (keyless > 0) app.log.warn({ rooms: keyless }, 'rooms whose names look like an older room keep no look-alike key');

  /** Adds the user (idempotent for members) once the access rule allowed it. */
  async function joinRoom(access: RoomAccess, user: User, gone: () => Error) {
    if (access.role) return { room: toRoom(access.room) };
    const result = await repos.rooms.join(access.room.id, user.id);
    if (!result) throw gone();
    // A ban that committed after the access read (the join waited for its room lock).
    if (result.banned) throw errors.banned();
    if (result.added) broker.memberJoined(access.room.id, user);
    return { room: toRoom(result.room) };
  }

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
        decodeCursor(cursor, (v): v is { o: number } => isRecord(v) && Object.keys(v).length === 1 && isCursorInt(v.o, MAX_LIST_OFFSET))?.o ?? 0;
      const page = await repos.rooms.listPublic({ userId: request.auth!.user.id, q: cleanQuery(q), limit, offset });
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
        response: { 201: RoomResponse, ...errorResponses(400, 401, 403, 409, 429) },
      },
    },
    async (request, reply) => {
      const refused = createRoomRefusal(request.auth!.user);
      if (refused) throw refused;
      const { name, description = '', isPrivate = false } = request.body;
      const ownerId = request.auth!.user.id;
      const input = { ownerId, name: cleanRoomName(name), description: cleanDescription(description), isPrivate };
      // Only rooms actually created use up the hourly budget: a refused name gives its slot back.
      const budget = `rooms:create:user:${ownerId}`;
      const throttle = await limiter.reserve([{ key: budget, limit: config.limits.roomCreatePerHour }], HOUR_MS);
      if (!throttle.allowed) throw errors.rateLimited(throttle.retryAfterMs, 'Too many rooms created');
      const room = await repos.rooms.create(input).catch(async (err: unknown) => {
        await limiter.release([budget]);
        throw err;
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
        response: { 200: Type.Object({ room: RoomResponse.properties.room }), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { user } = request.auth!;
      const access = await repos.rooms.access(request.params.roomId, user.id);
      requireJoinable(access, 'id');
      return joinRoom(access, user, errors.roomNotFound);
    },
  );

  app.post(
    '/rooms/join',
    {
      schema: {
        tags: ['rooms'],
        body: Type.Object({ inviteCode: Type.String({ minLength: 1, maxLength: 100 }) }),
        response: { 200: Type.Object({ room: RoomResponse.properties.room }), ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (request) => {
      const { user } = request.auth!;
      // Per user, and per address so that many accounts from one client cannot guess together.
      const throttle = await limiter.reserve(
        [
          { key: `invite:user:${user.id}`, limit: config.limits.invitePerMinute },
          { key: `invite:ip:${request.ip}`, limit: config.limits.invitePerIpPerMinute },
        ],
        MINUTE_MS,
      );
      if (!throttle.allowed) throw errors.rateLimited(throttle.retryAfterMs, 'Too many invite attempts');
      const access = await repos.rooms.accessByInviteCode(request.body.inviteCode.trim(), user.id);
      requireJoinable(access, 'invite');
      return joinRoom(access, user, invalidInvite);
    },
  );

  app.post(
    '/rooms/:roomId/invite-code',
    {
      schema: {
        tags: ['rooms'],
        params: RoomParams,
        response: { 200: Type.Object({ inviteCode: Type.String() }), ...errorResponses(400, 401, 403, 404) },
      },
    },
    // Owner or moderator (room-access.ts), audited (services/moderation.ts).
    async (request) => ({ inviteCode: await app.moderation.rotateInvite(request.params.roomId, request.auth!.user) }),
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
      if (result.newOwnerId) {
        // The owner left: the heir's new role and the new ownerId are pushed like a hand-over's.
        const heir = await repos.users.findById(result.newOwnerId);
        if (heir) broker.roleChanged(access.room.id, toUser(heir), 'owner');
        broker.roomUpdated(toRoom(result.room));
      }
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
        (v): v is [string, string] => Array.isArray(v) && v.length === 2 && isCursorTime(v[0]) && isUuid(v[1]),
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
