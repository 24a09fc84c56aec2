/**
 * GET /api/search: full-text search over the messages of the caller's rooms (or of one of them),
 * newest first. The query is parsed once (lib/search-query.ts) for the database and for the
 * highlights; the one access rule (services/room-access.ts) answers for a `roomId` the caller
 * may not read, exactly as history does (404 private, 403 public).
 */
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorResponses, Id, LIMITS, SearchResponse } from '../protocol.js';
import { decodeCursor, encodeCursor, isCursorInt, isUuid } from '../lib/cursor.js';
import { errors } from '../lib/errors.js';
import { highlightsOf, parseQuery } from '../lib/search-query.js';
import { cleanQuery } from '../lib/text.js';
import type { SearchAfter } from '../repositories/search-repository.js';
import { requireMember } from '../services/room-access.js';

/** Cursors: `{a: id}` across rooms, `{r: roomId, s: seq}` in one room (valid only for that room). */
type AllRoomsCursor = { a: string };
type RoomCursor = { r: string; s: number };
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isAllRoomsCursor = (v: unknown): v is AllRoomsCursor => isRecord(v) && Object.keys(v).length === 1 && isUuid(v.a);
const isRoomCursor = (v: unknown): v is RoomCursor =>
  isRecord(v) && Object.keys(v).length === 2 && isUuid(v.r) && isCursorInt(v.s);

const searchRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { repos } = app;
  app.addHook('preHandler', app.requireAuth);

  app.get(
    '/search',
    {
      schema: {
        tags: ['search'],
        querystring: Type.Object({
          q: Type.String({ minLength: 1, maxLength: LIMITS.SEARCH_QUERY_MAX }),
          roomId: Type.Optional(Id),
          cursor: Type.Optional(Type.String({ maxLength: 200 })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, default: 20 })),
        }),
        response: { 200: SearchResponse, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { roomId, cursor, limit = 20 } = request.query;
      const q = cleanQuery(request.query.q);
      if (!q) throw errors.validation('querystring/q must not be blank');
      const readerId = request.auth!.user.id;
      let after: SearchAfter | undefined;
      if (roomId !== undefined) {
        const c = decodeCursor(cursor, isRoomCursor);
        if (c && c.r.toLowerCase() !== roomId.toLowerCase()) throw errors.validation('querystring/cursor belongs to another search');
        after = c ? { seq: c.s } : undefined;
        requireMember(await repos.rooms.access(roomId, readerId));
      } else {
        const c = decodeCursor(cursor, isAllRoomsCursor);
        after = c ? { id: c.a } : undefined;
      }
      const query = parseQuery(q);
      const page = await repos.search.search({ readerId, query, limit, ...(roomId !== undefined ? { roomId } : {}), ...(after ? { after } : {}) });
      const last = page.messages[page.messages.length - 1];
      const nextCursor = page.hasMore && last ? encodeCursor(roomId !== undefined ? { r: roomId, s: last.seq } : { a: last.id }) : null;
      return { results: page.messages.map((message) => ({ message, highlights: highlightsOf(message.body, query) })), nextCursor };
    },
  );
};

export default searchRoutes;
