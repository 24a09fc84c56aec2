/**
 * The Fastify server options of the app: what a plugin cannot set on an existing instance (the
 * logger, proxy trust, timeouts, the errors raised before any route runs).
 */
import type { Server } from 'node:http';
import type { FastifyHttpOptions, FastifyServerOptions } from 'fastify';
import type { Config } from './config.js';
import { serializeError, serializeRequest } from './lib/log-serializers.js';
import { clientErrorHandler, frameworkErrors } from './plugins/errors.js';

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

/** Every log line's `err` and `req` go through our serializers (no query parameters, no row values, no invite codes). */
function withErrorSerializer(logger: FastifyServerOptions['logger']): FastifyServerOptions['logger'] {
  if (!logger) return logger;
  const options = logger === true ? {} : logger;
  return { ...options, serializers: { ...options.serializers, err: serializeError, req: serializeRequest } };
}

/** The options `buildApp` creates the Fastify instance with. */
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
