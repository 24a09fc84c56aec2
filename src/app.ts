/**
 * The application as a plugin (fastify/demo style): input guards, error mapping and security
 * headers first, then third-party plugins, then app services, then routes by feature, then the
 * SPA. `src/server.ts` only boots it; the tests build the same app with `buildApp` and do not
 * have to listen.
 */
import type { Server } from 'node:http';
import Fastify, { type FastifyHttpOptions, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import fp from 'fastify-plugin';
import fastifySwagger from '@fastify/swagger';
import fastifyCompress from '@fastify/compress';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Config } from './config.js';
import type { Database } from './db/client.js';
import { ErrorBody, Message, Room, User } from './protocol.js';
import { serializeError } from './lib/log-serializers.js';
import errors, { clientErrorHandler, frameworkErrors } from './plugins/errors.js';
import inputGuards from './plugins/input-guards.js';
import securityHeaders from './plugins/security-headers.js';
import services from './plugins/services.js';
import auth from './plugins/auth.js';
import websocket from './plugins/websocket.js';
import shutdown from './plugins/shutdown.js';
import loadShedding from './plugins/load-shedding.js';
import spa from './plugins/spa.js';
import authRoutes from './routes/auth.js';
import roomsRoutes from './routes/rooms.js';
import messagesRoutes from './routes/messages.js';
import healthRoutes from './routes/health.js';
import wsRoutes from './routes/ws.js';

export interface AppOptions {
  config: Config;
  /** An already-open database (tests); otherwise the services open one from the config. */
  database?: Database;
  /** Where the built SPA lives (defaults to dist/public). */
  publicDir?: string;
}

function trustHops(hops: number) {
  return (_address: string, hop: number) => hop < hops;
}

/**
 * Slow clients cannot hold a connection forever: the headers must arrive within 10 s (or the
 * request timeout, if shorter) and the whole request (a body is at most 64 KiB) within
 * HTTP_REQUEST_TIMEOUT_MS, else Node answers 408 and closes. Node checks these on a timer
 * (connectionsCheckingInterval, 30 s by default): a quarter of the timeout keeps the bound tight.
 * Upgraded WebSockets leave these checks (ws clears the socket timeout); heartbeats govern them.
 * No socket inactivity timeout (connectionTimeout): these bounds and keepAliveTimeout cover idle
 * sockets, and it would cut a slow-to-answer request that the database timeout already bounds.
 */
function httpTimeouts(config: Config): Pick<FastifyHttpOptions<Server>, 'requestTimeout' | 'keepAliveTimeout' | 'http'> {
  const { requestTimeoutMs, keepAliveTimeoutMs } = config.http;
  return {
    requestTimeout: requestTimeoutMs,
    keepAliveTimeout: keepAliveTimeoutMs,
    http: {
      requestTimeout: requestTimeoutMs,
      headersTimeout: Math.min(10_000, requestTimeoutMs),
      connectionsCheckingInterval: Math.max(50, Math.min(5000, Math.floor(requestTimeoutMs / 4))),
    },
  };
}

/** Every log line's `err` goes through serializeError (no query parameters, no row values). */
function withErrorSerializer(logger: FastifyServerOptions['logger']): FastifyServerOptions['logger'] {
  if (!logger) return logger;
  const options = logger === true ? {} : logger;
  return { ...options, serializers: { ...options.serializers, err: serializeError } };
}

/** The Fastify server options the app needs (what a plugin cannot set on an existing instance). */
export function serverOptions(config: Config, logger: FastifyServerOptions['logger'] = { level: config.logLevel }): FastifyHttpOptions<Server> {
  return {
    logger: withErrorSerializer(logger),
    // A hop count trusts the nearest N peers (proxy-addr counts the socket peer as hop 0). Fastify
    // itself treats a bare number as "trust nothing", so it is passed as a function.
    trustProxy: typeof config.trustProxy === 'number' ? trustHops(config.trustProxy) : config.trustProxy,
    // Opening the embedded database (and migrating it) can take a while on a busy machine.
    pluginTimeout: 120_000,
    bodyLimit: 64 * 1024,
    // Ids in URLs are short; anything huge is garbage.
    routerOptions: { maxParamLength: 200 },
    ...httpTimeouts(config),
    frameworkErrors,
    clientErrorHandler,
    // While closing, plugins/shutdown.ts answers 503 in the contract's shape instead.
    return503OnClosing: false,
  };
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
    await app.register(wsRoutes);
    await app.register(
      async (api) => {
        await api.register(authRoutes);
        await api.register(roomsRoutes);
        await api.register(messagesRoutes);
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
