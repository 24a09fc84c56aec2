/**
 * The application as a plugin (fastify/demo style), wired in order: input guards, error mapping
 * and security headers; OpenAPI and compression; the app services, sessions, load shedding and
 * the shutdown sequence (HTTP side, then WebSocket); routes by feature; the SPA and the 404.
 * `src/server.ts` only boots it (server options in server-options.ts); the tests build the same
 * app with `buildApp` and need not listen.
 */
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import fp from 'fastify-plugin';
import fastifySwagger from '@fastify/swagger';
import fastifyCompress from '@fastify/compress';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Config } from './config.js';
import type { Database } from './db/client.js';
import { ErrorBody, Message, Room, User } from './protocol.js';
import { serverOptions } from './server-options.js';
import errors from './plugins/errors.js';
import inputGuards from './plugins/input-guards.js';
import securityHeaders from './plugins/security-headers.js';
import services from './plugins/services.js';
import auth from './plugins/auth.js';
import websocket from './plugins/websocket.js';
import shutdown from './plugins/shutdown.js';
import loadShedding from './plugins/load-shedding.js';
import spa from './plugins/spa.js';
import authRoutes from './routes/auth.js';
import accountRoutes from './routes/account.js';
import usersRoutes from './routes/users.js';
import roomsRoutes from './routes/rooms.js';
import moderationRoutes from './routes/moderation.js';
import messagesRoutes from './routes/messages.js';
import roomLogRoutes from './routes/room-log.js';
import healthRoutes from './routes/health.js';
import wsRoutes from './routes/ws.js';
import uploadsRoutes from './routes/uploads.js';
import filesRoutes from './routes/files.js';
import metricsRoutes from './routes/metrics.js';
import searchRoutes from './routes/search.js';

export interface AppOptions {
  config: Config;
  /** An already-open database (tests); otherwise the services open one from the config. */
  database?: Database;
  /** Where the built SPA lives (defaults to dist/public). */
  publicDir?: string;
}

/** The app plugin; wrapped with fastify-plugin so its decorators (hub, repos, jwt…) reach the root. */
const appPlugin = fp<AppOptions>(
  async (app, opts) => {
    const { config } = opts;
    await app.register(inputGuards);
    await app.register(errors);
    await app.register(securityHeaders);

    for (const schema of [User, Room, Message, ErrorBody]) app.addSchema(schema);
    await app.register(fastifySwagger, {
      openapi: {
        info: { title: 'RtChat', version: '1.0.0', description: 'RtChat HTTP API; the WebSocket protocol is in docs/protocol.md' },
        components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' }, cookie: { type: 'apiKey', in: 'cookie', name: 'rtchat_session' } } },
      },
    });
    await app.register(fastifyCompress, { global: true, threshold: 1024 });
    await app.register(services, { config, database: opts.database });
    await app.register(auth);
    await app.register(loadShedding);
    await app.register(shutdown);
    await app.register(websocket);

    await app.register(healthRoutes);
    await app.register(metricsRoutes);
    await app.register(wsRoutes);
    await app.register(
      async (api) => {
        await api.register(authRoutes);
        await api.register(accountRoutes);
        await api.register(usersRoutes);
        await api.register(roomsRoutes);
        await api.register(moderationRoutes);
        await api.register(messagesRoutes);
        await api.register(roomLogRoutes);
        await api.register(uploadsRoutes);
        await api.register(filesRoutes);
        await api.register(searchRoutes);
        api.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
      },
      { prefix: '/api' },
    );
    await app.register(spa, { publicDir: opts.publicDir });
  },
  { name: 'app' },
);

export default appPlugin;

export interface BuildOptions extends AppOptions {
  logger?: FastifyServerOptions['logger'];
}

/** A Fastify instance with the app registered (not listening): what the server and the tests use. */
export async function buildApp(options: BuildOptions): Promise<FastifyInstance> {
  const app = Fastify(serverOptions(options.config, options.logger)).withTypeProvider<TypeBoxTypeProvider>();
  await app.register(appPlugin, options);
  return app;
}
