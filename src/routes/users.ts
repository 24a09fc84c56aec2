/**
 * Profiles: PATCH /users/me sets or clears the display name; GET /users/:userId shows anyone's
 * public profile to a signed-in user (404 USER_NOT_FOUND for an unknown id). A changed profile goes
 * through `broker.userUpdated`, so every instance's open sockets of the user author new messages
 * with it (and cached sessions carry it) before the request answers.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorResponses, Id, LIMITS, User } from '../protocol.js';
import { AppError, errors } from '../lib/errors.js';
import { cleanDisplayName } from '../lib/text.js';
import { toUser } from '../repositories/mappers.js';

const userNotFound = () => new AppError(404, 'USER_NOT_FOUND', 'User not found');

const usersRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { repos } = app;

  app.patch(
    '/users/me',
    {
      preHandler: app.requireAuth,
      schema: {
        tags: ['users'],
        body: Type.Object({
          // Checked in length again after cleaning (NFKC may change it).
          displayName: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 4 * LIMITS.DISPLAY_NAME_MAX }), Type.Null()])),
        }),
        response: { 200: Type.Object({ user: User }), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { user } = request.auth!;
      const { displayName } = request.body;
      if (displayName === undefined) return { user };
      const clean = displayName === null ? null : cleanDisplayName(displayName, LIMITS.DISPLAY_NAME_MAX);
      const row = await repos.users.setDisplayName(user.id, clean);
      if (!row) throw errors.unauthorized();
      const updated = toUser(row);
      await app.broker.userUpdated(updated);
      return { user: updated };
    },
  );

  app.get(
    '/users/:userId',
    {
      preHandler: app.requireAuth,
      schema: {
        tags: ['users'],
        params: Type.Object({ userId: Id }),
        response: { 200: Type.Object({ user: User }), ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => {
      const row = await repos.users.findById(request.params.userId);
      if (!row) throw userNotFound();
      return { user: toUser(row) };
    },
  );
};

export default usersRoutes;
