/**
 * Uploads: `POST /uploads` (an attachment for a later message), avatars and room images.
 * Multipart is accepted by these routes only (the plugin is registered in this scope), with the
 * limits set per route; every other route keeps its 64 KiB JSON body.
 */
import fastifyMultipart from '@fastify/multipart';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Attachment, errorResponses, Room, User } from '../protocol.js';
import { AppError } from '../lib/errors.js';
import { fileUrl, toAttachment, toRoom, toUser } from '../repositories/mappers.js';
import { requireRank } from '../services/room-access.js';
import type { FilePart } from '../services/upload-service.js';
import { RoomParams } from './rooms.js';

const MULTIPART = ['multipart/form-data'];

/** Multipart parser errors in the contract's words. */
function multipartError(err: unknown): unknown {
  const code = (err as { code?: string }).code;
  if (code === 'FST_REQ_FILE_TOO_LARGE') return new AppError(413, 'FILE_TOO_LARGE', 'The file is too large');
  if (code === 'FST_FILES_LIMIT' || code === 'FST_PARTS_LIMIT' || code === 'FST_FIELDS_LIMIT') {
    return new AppError(413, 'PAYLOAD_TOO_LARGE', 'Too many parts: send one file (and, for a video, one poster "thumb")');
  }
  // busboy's own parse errors are plain Errors without a code.
  const busboyParse = !(err instanceof AppError) && !code && /multipart|boundary|Unexpected end of|Malformed part header/i.test(String((err as Error).message));
  if (busboyParse || code === 'FST_INVALID_MULTIPART_CONTENT_TYPE' || code === 'FST_PROTO_VIOLATION' || code === 'FST_PREMATURE_CLOSE') {
    return new AppError(400, 'VALIDATION', 'The multipart body is malformed');
  }
  return err;
}

const uploadsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { repos, config } = app;
  const limits = config.files;
  // Hard parser limits; the per-type size limit is enforced while the bytes arrive (upload-intake).
  await app.register(fastifyMultipart, { limits: { fileSize: 1, files: 1, fields: 0, parts: 1 }, throwFileSizeLimit: true });
  app.addHook('preHandler', app.requireAuth);

  /** Runs `work` over the request's parts; a refusal closes the connection instead of reading the rest. */
  async function withParts<T>(
    request: FastifyRequest,
    reply: FastifyReply,
    partLimits: { fileSize: number; files: number },
    work: (parts: AsyncIterable<FilePart | { fieldname: string }>) => Promise<T>,
  ): Promise<T> {
    if (!request.isMultipart()) throw new AppError(415, 'UNSUPPORTED_MEDIA_TYPE', 'Send the file as multipart/form-data');
    try {
      const parts = request.parts({ limits: { ...partLimits, fields: 4, fieldSize: 1024, parts: partLimits.files + 4, headerPairs: 20 } });
      return await work(parts as AsyncIterable<FilePart | { fieldname: string }>);
    } catch (err) {
      reply.header('connection', 'close');
      throw multipartError(err);
    }
  }

  app.post(
    '/uploads',
    {
      schema: {
        tags: ['files'],
        consumes: MULTIPART,
        response: { 201: Type.Object({ upload: Attachment }), ...errorResponses(400, 401, 403, 413, 415, 429, 507) },
      },
    },
    async (request, reply) => {
      const { user } = request.auth!;
      await app.uploads.admit(user);
      const largest = Math.max(limits.imageMaxBytes, limits.videoMaxBytes, limits.fileMaxBytes);
      const row = await withParts(request, reply, { fileSize: largest + 1, files: 2 }, (parts) => app.uploads.attachment(user, parts));
      return reply.code(201).send({ upload: toAttachment(row) });
    },
  );

  app.put(
    '/users/me/avatar',
    { schema: { tags: ['files'], consumes: MULTIPART, response: { 200: Type.Object({ user: User }), ...errorResponses(400, 401, 403, 413, 415, 429, 507) } } },
    async (request, reply) => {
      const { user } = request.auth!;
      await app.uploads.admit(user);
      const row = await withParts(request, reply, { fileSize: limits.avatarMaxBytes + 1, files: 1 }, (parts) => app.uploads.square(user, 'avatar', parts));
      const updated = toUser(await repos.uploads.setAvatar(user.id, row, fileUrl(row.id)));
      await app.broker.userUpdated(updated);
      return { user: updated };
    },
  );

  app.delete(
    '/users/me/avatar',
    { schema: { tags: ['files'], response: { 200: Type.Object({ user: User }), ...errorResponses(401) } } },
    async (request) => {
      const updated = toUser(await repos.uploads.setAvatar(request.auth!.user.id, null, null));
      await app.broker.userUpdated(updated);
      return { user: updated };
    },
  );

  /** The room, if the user runs it (owner or moderator); 404 / 403 otherwise. */
  async function staffRoom(roomId: string, userId: string) {
    const access = await repos.rooms.access(roomId, userId);
    requireRank(access, 'editRoom');
    return access.room;
  }

  app.put(
    '/rooms/:roomId/image',
    {
      schema: {
        tags: ['files'],
        consumes: MULTIPART,
        params: RoomParams,
        response: { 200: Type.Object({ room: Room }), ...errorResponses(400, 401, 403, 404, 413, 415, 429, 507) },
      },
    },
    async (request, reply) => {
      const { user } = request.auth!;
      const room = await staffRoom(request.params.roomId, user.id);
      await app.uploads.admit(user);
      const row = await withParts(request, reply, { fileSize: limits.avatarMaxBytes + 1, files: 1 }, (parts) => app.uploads.square(user, 'room_image', parts));
      const updated = toRoom(await repos.uploads.setRoomImage(room.id, row, fileUrl(row.id), room.imageUrl));
      app.broker.roomUpdated(updated);
      return { room: updated };
    },
  );

  app.delete(
    '/rooms/:roomId/image',
    { schema: { tags: ['files'], params: RoomParams, response: { 200: Type.Object({ room: Room }), ...errorResponses(401, 403, 404) } } },
    async (request) => {
      const room = await staffRoom(request.params.roomId, request.auth!.user.id);
      const updated = toRoom(await repos.uploads.setRoomImage(room.id, null, null, room.imageUrl));
      app.broker.roomUpdated(updated);
      return { room: updated };
    },
  );
};

export default uploadsRoutes;
