/**
 * The room log over HTTP: edit, delete, react (each an event of the log, through the same writer
 * lanes as messages), and `events?after=` for clients without a WebSocket and for bots.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { EMOJI_MAX_LENGTH, normalizeEmoji } from '../lib/emoji.js';
import { errors } from '../lib/errors.js';
import { cleanMessageBody } from '../lib/text.js';
import { errorResponses, EventsResponse, Id, MessageId, MessageResponse, Seq } from '../protocol.js';
import { requireMember } from '../services/room-access.js';
import type { LogOp } from '../services/log-ops.js';

const MessageParams = Type.Object({ roomId: Id, messageId: MessageId });
const ReactionParams = Type.Object({ roomId: Id, messageId: MessageId, emoji: Type.String({ minLength: 1, maxLength: EMOJI_MAX_LENGTH }) });
const Empty = Type.Null({ description: 'no content' });

const roomLogRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { repos, writer, config } = app;
  app.addHook('preHandler', app.requireAuth);

  const apply = async (op: LogOp) => {
    if (app.shuttingDown) throw errors.unavailable();
    return writer.apply(op);
  };

  app.patch(
    '/rooms/:roomId/messages/:messageId',
    {
      schema: {
        tags: ['messages'],
        params: MessageParams,
        body: Type.Object({ body: Type.String() }),
        response: { 200: MessageResponse, ...errorResponses(400, 401, 403, 404, 429, 503) },
      },
    },
    async (request) => {
      const { roomId, messageId } = request.params;
      const body = cleanMessageBody(request.body.body, config.limits.messageMaxChars);
      await apply({ kind: 'edit', roomId, actor: request.auth!.user, messageId, body });
      const message = await repos.messages.byId(roomId, messageId);
      if (!message) throw errors.messageNotFound();
      return { message };
    },
  );

  app.delete(
    '/rooms/:roomId/messages/:messageId',
    {
      schema: {
        tags: ['messages'],
        params: MessageParams,
        response: { 204: Empty, ...errorResponses(400, 401, 403, 404, 429, 503) },
      },
    },
    async (request, reply) => {
      const { roomId, messageId } = request.params;
      await apply({ kind: 'delete', roomId, actor: request.auth!.user, messageId });
      return reply.code(204).send(null);
    },
  );

  for (const [method, add] of [['PUT', true], ['DELETE', false]] as const) {
    app.route({
      method,
      url: '/rooms/:roomId/messages/:messageId/reactions/:emoji',
      schema: {
        tags: ['messages'],
        params: ReactionParams,
        response: { 204: Empty, ...errorResponses(400, 401, 403, 404, 429, 503) },
      },
      handler: async (request, reply) => {
        const { roomId, messageId } = request.params;
        const emoji = normalizeEmoji(request.params.emoji);
        if (!emoji) throw errors.validation('emoji must be exactly one emoji');
        await apply({ kind: 'react', roomId, actor: request.auth!.user, messageId, emoji, add });
        return reply.code(204).send(null);
      },
    });
  }

  app.get(
    '/rooms/:roomId/events',
    {
      schema: {
        tags: ['messages'],
        params: Type.Object({ roomId: Id }),
        querystring: Type.Object({
          after: Seq,
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 100 })),
        }),
        response: { 200: EventsResponse, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { roomId } = request.params;
      const { after, limit = 100 } = request.query;
      const userId = request.auth!.user.id;
      // Read only if the user is a member; an empty answer may mean "not allowed".
      const page = await repos.roomLog.eventsAfter({ roomId, after, limit, readerId: userId });
      if (page.events.length === 0) requireMember(await repos.rooms.access(roomId, userId));
      return page;
    },
  );
};

export default roomLogRoutes;
