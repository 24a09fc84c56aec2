/**
 * Running a room over REST: settings, deletion, roles, kicks, bans and the audit log. Every
 * decision is room-access.ts `requireRank`; every write is one audited transaction
 * (services/moderation.ts). Read routes (bans, audit) need owner or moderator too.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AuditResponse, BansResponse, errorResponses, Id, LIMITS, Member, Role, RoomResponse } from '../protocol.js';
import { decodeCursor, encodeCursor, isUuid } from '../lib/cursor.js';
import { errors } from '../lib/errors.js';
import { cleanDescription, cleanRoomName } from '../lib/text.js';
import { requireRank } from '../services/room-access.js';
import { RoomParams } from './rooms.js';

const MemberParams = Type.Object({ roomId: Id, userId: Id });
/** Bans listed at once (the list is for people, not an export). */
const BANS_MAX = 1000;

const moderationRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { repos, hub, moderation } = app;
  app.addHook('preHandler', app.requireAuth);

  app.patch(
    '/rooms/:roomId',
    {
      schema: {
        tags: ['moderation'],
        params: RoomParams,
        body: Type.Object(
          {
            name: Type.Optional(Type.String({ minLength: 1, maxLength: LIMITS.ROOM_NAME_MAX })),
            description: Type.Optional(Type.String({ maxLength: LIMITS.ROOM_DESCRIPTION_MAX })),
            slowModeSec: Type.Optional(Type.Integer({ minimum: 0, maximum: LIMITS.SLOW_MODE_MAX_SEC })),
          },
        ),
        response: { 200: Type.Object({ room: RoomResponse.properties.room }), ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const { name, description, slowModeSec } = request.body;
      if (name === undefined && description === undefined && slowModeSec === undefined) {
        throw errors.validation('body: give at least one of name, description, slowModeSec');
      }
      const input = {
        ...(name !== undefined ? { name: cleanRoomName(name) } : {}),
        ...(description !== undefined ? { description: cleanDescription(description) } : {}),
        ...(slowModeSec !== undefined ? { slowModeSec } : {}),
      };
      return { room: await moderation.updateSettings(request.params.roomId, request.auth!.user, input) };
    },
  );

  app.delete(
    '/rooms/:roomId',
    { schema: { tags: ['moderation'], params: RoomParams, response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404) } } },
    async (request, reply) => {
      await moderation.deleteRoom(request.params.roomId, request.auth!.user);
      return reply.code(204).send(null);
    },
  );

  app.put(
    '/rooms/:roomId/members/:userId/role',
    {
      schema: {
        tags: ['moderation'],
        params: MemberParams,
        body: Type.Object({ role: Role }),
        response: { 200: Type.Object({ member: Member }), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { roomId, userId } = request.params;
      const member = await moderation.setRole(roomId, request.auth!.user, userId, request.body.role);
      return { member: { ...member, online: hub.presence.isOnline(member.user.id) } };
    },
  );

  app.post(
    '/rooms/:roomId/members/:userId/kick',
    { schema: { tags: ['moderation'], params: MemberParams, response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404) } } },
    async (request, reply) => {
      await moderation.kick(request.params.roomId, request.auth!.user, request.params.userId);
      return reply.code(204).send(null);
    },
  );

  app.put(
    '/rooms/:roomId/bans/:userId',
    {
      schema: {
        tags: ['moderation'],
        params: MemberParams,
        body: Type.Object({ reason: Type.Optional(Type.String({ maxLength: LIMITS.BAN_REASON_MAX })) }),
        response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404) },
      },
      // The body is optional: a PUT without one bans without a reason.
      preValidation: async (request) => {
        request.body ??= {};
      },
    },
    async (request, reply) => {
      const reason = cleanDescription(request.body.reason ?? '', 'body/reason');
      await moderation.ban(request.params.roomId, request.auth!.user, request.params.userId, reason);
      return reply.code(204).send(null);
    },
  );

  app.delete(
    '/rooms/:roomId/bans/:userId',
    { schema: { tags: ['moderation'], params: MemberParams, response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404) } } },
    async (request, reply) => {
      await moderation.unban(request.params.roomId, request.auth!.user, request.params.userId);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/rooms/:roomId/bans',
    { schema: { tags: ['moderation'], params: RoomParams, response: { 200: BansResponse, ...errorResponses(400, 401, 403, 404) } } },
    async (request) => {
      const access = await repos.rooms.access(request.params.roomId, request.auth!.user.id);
      requireRank(access, 'viewModeration');
      return { bans: await repos.moderation.bans(access.room.id, BANS_MAX) };
    },
  );

  app.get(
    '/rooms/:roomId/audit',
    {
      schema: {
        tags: ['moderation'],
        params: RoomParams,
        querystring: Type.Object({
          cursor: Type.Optional(Type.String({ maxLength: 200 })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 50 })),
        }),
        response: { 200: AuditResponse, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const access = await repos.rooms.access(request.params.roomId, request.auth!.user.id);
      requireRank(access, 'viewModeration');
      const { cursor, limit = 50 } = request.query;
      const before = decodeCursor(cursor, (v): v is { b: string } => typeof v === 'object' && v !== null && Object.keys(v).length === 1 && isUuid((v as { b?: unknown }).b));
      const page = await repos.moderation.auditPage(access.room.id, limit, before?.b);
      const last = page.entries.at(-1);
      return { entries: page.entries, nextCursor: page.hasMore && last ? encodeCursor({ b: last.id }) : null };
    },
  );
};

export default moderationRoutes;
