import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AttachmentIds, ClientMsgId, errorResponses, MessageId, MessageResponse, MessagesResponse, Seq } from '../protocol.js';
import { errors } from '../lib/errors.js';
import { cleanMessageBody } from '../lib/text.js';
import { requireMember } from '../services/room-access.js';
import { RoomParams } from './rooms.js';

const messagesRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { repos, writer, config } = app;
  app.addHook('preHandler', app.requireAuth);

  app.get(
    '/rooms/:roomId/messages',
    {
      schema: {
        tags: ['messages'],
        params: RoomParams,
        querystring: Type.Object({
          before: Type.Optional(Seq),
          after: Type.Optional(Seq),
          /** The page centred on this seq (with hasOlder / hasNewer); not with before or after. */
          around: Type.Optional(Seq),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 50 })),
        }),
        response: { 200: MessagesResponse, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { before, after, around, limit = 50 } = request.query;
      if (before !== undefined && after !== undefined) throw errors.validation('querystring: use either before or after, not both');
      if (around !== undefined && (before !== undefined || after !== undefined)) {
        throw errors.validation('querystring: around cannot be combined with before or after');
      }
      const { roomId } = request.params;
      const userId = request.auth!.user.id;
      if (around !== undefined) {
        const page = await repos.messages.around({ roomId, seq: around, limit, readerId: userId });
        if (page.messages.length === 0) requireMember(await repos.rooms.access(roomId, userId));
        return { ...page, hasMore: page.hasOlder || page.hasNewer };
      }
      // The page is read only if the user is a member; an empty page may mean "not allowed".
      const page = await repos.messages.page({ roomId, before, after, limit, readerId: userId });
      if (page.messages.length === 0) requireMember(await repos.rooms.access(roomId, userId));
      return page;
    },
  );

  app.post(
    '/rooms/:roomId/messages',
    {
      schema: {
        tags: ['messages'],
        params: RoomParams,
        body: Type.Object({ clientMsgId: ClientMsgId, body: Type.String(), replyToId: Type.Optional(MessageId), attachmentIds: Type.Optional(AttachmentIds) }),
        response: { 200: MessageResponse, 201: MessageResponse, ...errorResponses(400, 401, 403, 404, 429, 503) },
      },
    },
    async (request, reply) => {
      const { user } = request.auth!;
      if (app.shuttingDown) throw errors.unavailable();
      // The writer takes a token of the user's send bucket (shared with their sockets): RATE_LIMITED.
      const { clientMsgId, replyToId, attachmentIds = [] } = request.body;
      const body = cleanMessageBody(request.body.body, config.limits.messageMaxChars, attachmentIds.length > 0);
      const quoting = replyToId !== undefined ? { replyToId } : {};
      const files = attachmentIds.length ? { attachmentIds } : {};
      const result = await writer.send({ roomId: request.params.roomId, author: user, clientMsgId, body, ...quoting, ...files });
      return reply.code(result.created ? 201 : 200).send({ message: result.message });
    },
  );
};

export default messagesRoutes;
