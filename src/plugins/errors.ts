/**
 * Errors in one place: every error a route, hook or the framework raises leaves as the contract's
 * `{statusCode, code, error, message}`. 5xx details stay in the log; the client gets a generic text.
 */
import { STATUS_CODES } from 'node:http';
import fp from 'fastify-plugin';
import type { FastifyError, FastifyServerOptions } from 'fastify';
import { AppError, errors as appErrors, isDatabaseUnavailable } from '../lib/errors.js';
import { UUID_PATTERN, type ErrorBody, type ErrorCode } from '../protocol.js';

/** Maps any error to the contract's shape and its HTTP status. */
export function toErrorBody(error: FastifyError | AppError | Error): { status: number; body: ErrorBody } {
  if (error instanceof AppError) return { status: error.statusCode, body: error.toBody() };
  if (isDatabaseUnavailable(error)) return { status: 503, body: appErrors.databaseUnavailable().toBody() };
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

/** The innermost cause's message (the driver's "Connection terminated", not Drizzle's query text). */
function rootMessage(error: Error): string {
  let e: unknown = error;
  for (let depth = 0; depth < 6 && (e as { cause?: unknown }).cause instanceof Error; depth++) e = (e as { cause: Error }).cause;
  return (e as Error).message.split('\n')[0] ?? '';
}

/** Server option: errors the router raises before any route runs (bad URL encoding, over-long ids). */
export const frameworkErrors: NonNullable<FastifyServerOptions['frameworkErrors']> = (error, _request, reply) => {
  const message = error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'A path parameter is too long' : 'The URL is malformed';
  const raw = reply as unknown as { code(n: number): { send(body: unknown): unknown } };
  raw.code(400).send(new AppError(400, 'VALIDATION', message).toBody());
};

/** Node's own HTTP-level failures (no request object exists yet), in the contract's shape. */
const CLIENT_ERRORS: Record<string, { status: number; code: ErrorCode; message: string }> = {
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, code: 'REQUEST_TIMEOUT', message: 'The request did not arrive in time' },
  HPE_HEADER_OVERFLOW: { status: 431, code: 'HEADERS_TOO_LARGE', message: 'The request headers are too large' },
};

/**
 * Server option: what the socket gets when Node cannot parse a request (malformed, too-large
 * headers, too slow). Written raw, as there is no reply yet; the connection is then closed.
 */
export const clientErrorHandler: NonNullable<FastifyServerOptions['clientErrorHandler']> = function (err, socket) {
  if ((err as NodeJS.ErrnoException).code === 'ECONNRESET' || socket.destroyed) return;
  const known = CLIENT_ERRORS[(err as NodeJS.ErrnoException).code ?? ''];
  const { status, code, message } = known ?? { status: 400, code: 'VALIDATION' as const, message: 'The request is not valid HTTP' };
  const body = JSON.stringify(new AppError(status, code, message).toBody());
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
};

export default fp(
  async (app) => {
    app.setErrorHandler((error: FastifyError | AppError, request, reply) => {
      const { status, body } = toErrorBody(error);
      // An expected 503 (shutting down, database unreachable) is an operational state, not a bug:
      // one warn line with the reason, no stack.
      if (status === 503) request.log.warn({ code: body.code, reason: rootMessage(error) }, body.message);
      else if (status >= 500) request.log.error({ err: error }, 'request failed');
      else request.log.debug({ code: body.code }, body.message);
      if (body.code === 'RATE_LIMITED' && body.retryAfterMs) reply.header('retry-after', Math.ceil(body.retryAfterMs / 1000));
      return reply.code(status).send(body);
    });
  },
  { name: 'errors' },
);
