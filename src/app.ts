/**
 * The application as a plugin: third-party plugins, then services, then routes by feature, one
 * error handler and the SPA fallback. `buildApp` is what the server and the tests both use.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import fastifyWebsocket from '@fastify/websocket';
import fastifyCompress from '@fastify/compress';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Ajv } from 'ajv';
import ajvFormats from 'ajv-formats';
import type { Config } from './config.js';
import type { Database } from './db/client.js';
import { AppError } from './lib/errors.js';
import { CLOSE, ErrorBody, Message, Room, User, UUID_PATTERN } from './protocol.js';
import services from './plugins/services.js';
import auth from './plugins/auth.js';
import authRoutes from './routes/auth.js';
import roomsRoutes from './routes/rooms.js';
import messagesRoutes from './routes/messages.js';
import roomLogRoutes from './routes/room-log.js';
import healthRoutes from './routes/health.js';
import wsRoutes from './routes/ws.js';
import uploadsRoutes from './routes/uploads.js';
import filesRoutes from './routes/files.js';

export const PUBLIC_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/public');

/** The SPA loads only its own scripts; sockets go to the same host; messages are text, never markup. */
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: https:",
  // blob: lets the composer read a local video into a <video> to draw its poster frame.
  "media-src 'self' blob:",
  "connect-src 'self' ws: wss:",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export interface BuildOptions {
  config: Config;
  database?: Database;
  logger?: FastifyServerOptions['logger'];
  /** Where the built SPA lives (defaults to dist/public). */
  publicDir?: string;
}

/** Maps any error to the contract's shape; 5xx details stay in the log. */
function toErrorBody(error: FastifyError | AppError | Error): { status: number; body: ErrorBody } {
  if (error instanceof AppError) return { status: error.statusCode, body: error.toBody() };
  const fe = error as FastifyError;
  if (fe.validation) {
    const message = fe.message.replaceAll(`must match pattern "${UUID_PATTERN}"`, 'must be a UUID');
    return { status: 400, body: new AppError(400, 'VALIDATION', message).toBody() };
  }
  const status = fe.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    const code =
      status === 413 ? 'PAYLOAD_TOO_LARGE' : status === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : status === 429 ? 'RATE_LIMITED' : status === 404 ? 'NOT_FOUND' : 'VALIDATION';
    const message = fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error instanceof SyntaxError ? 'Request body is not valid JSON' : fe.message;
    return { status, body: new AppError(status, code, message).toBody() };
  }
  return { status: 500, body: new AppError(500, 'INTERNAL', 'Something went wrong on our side').toBody() };
}

/** True when any string inside the value contains NUL, which Postgres text cannot store. */
function containsNul(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (depth > 8 || !value || typeof value !== 'object') return false;
  for (const v of Object.values(value)) if (containsNul(v, depth + 1)) return true;
  return false;
}

/**
 * Two validators: JSON bodies are checked strictly (a number is not a string, an array is not a
 * name), while path and query strings are coerced to the declared types, as they can only be text.
 */
function makeValidatorCompiler() {
  const make = (coerce: boolean) => {
    const ajv = new Ajv({ removeAdditional: 'all', useDefaults: true, coerceTypes: coerce ? 'array' : false, allErrors: false, strict: false });
    (ajvFormats as unknown as (a: Ajv) => void)(ajv);
    return ajv;
  };
  const strict = make(false);
  const coercing = make(true);
  return ({ schema, httpPart }: { schema: object; httpPart?: string }) =>
    (httpPart === 'body' ? strict : coercing).compile(schema);
}

export async function buildApp(options: BuildOptions): Promise<FastifyInstance> {
  const { config } = options;
  const app = Fastify({
    logger: options.logger ?? { level: config.logLevel },
    trustProxy: config.trustProxy,
    // Opening the embedded database (and migrating it) can take a while on a busy machine.
    pluginTimeout: 120_000,
    bodyLimit: 64 * 1024,
    // Ids in URLs are short; anything huge is garbage.
    routerOptions: { maxParamLength: 200 },
    // Errors the router raises before any route runs (bad URL encoding, over-long ids).
    frameworkErrors: (error, _request, reply) => {
      const message = error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'A path parameter is too long' : 'The URL is malformed';
      const raw = reply as unknown as { code(n: number): { send(body: unknown): unknown } };
      raw.code(400).send(new AppError(400, 'VALIDATION', message).toBody());
    },
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(makeValidatorCompiler());

  app.addHook('preValidation', async (request) => {
    if (containsNul(request.body) || containsNul(request.query) || containsNul(request.params)) {
      throw new AppError(400, 'VALIDATION', 'Text must not contain NUL characters');
    }
  });
  // Query coercion turns "1e400" into Infinity, which the schema check lets through.
  app.addHook('preHandler', async (request) => {
    for (const [key, value] of Object.entries((request.query ?? {}) as Record<string, unknown>)) {
      if (typeof value === 'number' && !Number.isSafeInteger(value)) {
        throw new AppError(400, 'VALIDATION', `querystring/${key} must be a whole number`);
      }
    }
  });

  app.setErrorHandler((error: FastifyError | AppError, request, reply) => {
    const { status, body } = toErrorBody(error);
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.debug({ code: body.code }, body.message);
    if (body.code === 'RATE_LIMITED' && body.retryAfterMs) reply.header('retry-after', Math.ceil(body.retryAfterMs / 1000));
    return reply.code(status).send(body);
  });

  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'same-origin');
    reply.header('x-frame-options', 'DENY');
    if (String(reply.getHeader('content-type') ?? '').startsWith('text/html')) reply.header('content-security-policy', CSP);
    return payload;
  });

  for (const schema of [User, Room, Message, ErrorBody]) app.addSchema(schema);
  await app.register(fastifySwagger, {
    openapi: {
      info: { title: 'RtChat', version: '1.0.0', description: 'RtChat HTTP API; the WebSocket protocol is in docs/protocol.md' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' }, cookie: { type: 'apiKey', in: 'cookie', name: 'rtchat_session' } } },
    },
  });
  await app.register(fastifyCompress, { global: true, threshold: 1024 });
  await app.register(services, { config, database: options.database });
  await app.register(auth);
  await app.register(fastifyWebsocket, {
    options: { maxPayload: config.limits.wsMaxFrameBytes },
    errorHandler: (error, socket, request) => {
      request.log.error({ err: error }, 'websocket handler failed');
      socket.close(CLOSE.POLICY, 'internal error');
    },
    // Shutdown: refuse new sends, let accepted ones commit and be acked, then close with 1001.
    preClose: async () => {
      app.shuttingDown = true;
      await app.writer.close();
      app.hub.close(CLOSE.GOING_AWAY, 'server going away');
      await new Promise<void>((resolve) => app.websocketServer.close(() => resolve()));
    },
  });

  await app.register(healthRoutes);
  await app.register(wsRoutes);
  await app.register(
    async (api) => {
      await api.register(authRoutes);
      await api.register(roomsRoutes);
      await api.register(messagesRoutes);
      await api.register(roomLogRoutes);
      await api.register(uploadsRoutes);
      await api.register(filesRoutes);
      api.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
    },
    { prefix: '/api' },
  );

  const publicDir = options.publicDir ?? PUBLIC_DIR;
  const hasSpa = existsSync(path.join(publicDir, 'index.html'));
  if (hasSpa) {
    await app.register(fastifyStatic, {
      root: publicDir,
      wildcard: false,
      index: false,
      setHeaders: (res, filePath) => {
        // Vite's hashed assets never change; everything else is revalidated.
        res.setHeader(
          'cache-control',
          filePath.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache',
        );
      },
      cacheControl: false,
    });
  }

  app.setNotFoundHandler(async (request, reply) => {
    const url = request.url.split('?')[0] ?? '';
    const isApi = url === '/api' || url.startsWith('/api/') || url === '/ws';
    if (!isApi && hasSpa && (request.method === 'GET' || request.method === 'HEAD')) {
      // Client-side routes get the app; unknown static files under /assets stay 404.
      if (!url.startsWith('/assets/')) {
        reply.header('cache-control', 'no-cache');
        return reply.sendFile('index.html');
      }
    }
    return reply.code(404).send(new AppError(404, 'NOT_FOUND', `Route ${request.method} ${url} not found`).toBody());
  });

  return app;
}
