import { STATUS_CODES } from 'node:http';
import type { ErrorCode } from '../protocol.js';

/** An expected failure with a stable code; the error handler turns it into the contract's shape. */
export class AppError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: ErrorCode,
    message: string,
    readonly extra: { retryAfterMs?: number } = {},
  ) {
    super(message);
    this.name = 'AppError';
  }

  toBody() {
    return {
      statusCode: this.statusCode,
      code: this.code,
      error: STATUS_CODES[this.statusCode] ?? 'Error',
      message: this.message,
      ...this.extra,
    };
  }
}

export const errors = {
  validation: (message: string) => new AppError(400, 'VALIDATION', message),
  unauthorized: (message = 'Log in to continue') => new AppError(401, 'UNAUTHORIZED', message),
  roomNotFound: () => new AppError(404, 'ROOM_NOT_FOUND', 'Room not found'),
  notAMember: () => new AppError(403, 'NOT_A_MEMBER', 'Join the room first'),
  rateLimited: (retryAfterMs: number, what = 'Too many attempts') =>
    new AppError(429, 'RATE_LIMITED', `${what}; retry in ${Math.ceil(retryAfterMs / 1000)} s`, {
      retryAfterMs: Math.max(1, Math.ceil(retryAfterMs)),
    }),
  messageTooLong: (max: number) =>
    new AppError(400, 'MESSAGE_TOO_LONG', `Message is longer than ${max} characters`),
  banned: () => new AppError(403, 'BANNED', 'You are banned from this room'),
  forbidden: (message: string) => new AppError(403, 'FORBIDDEN', message),
  messageNotFound: () => new AppError(404, 'MESSAGE_NOT_FOUND', 'Message not found'),
  unavailable: () => new AppError(503, 'UNAVAILABLE', 'Server is shutting down or busy; retry later. Nothing was stored.'),
  databaseUnavailable: () => new AppError(503, 'UNAVAILABLE', 'The database is unreachable right now; retry later'),
};

/** Postgres unique violation (SQLSTATE 23505), on either driver. */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const e = err as { code?: string; constraint?: string; cause?: unknown } | null;
  if (!e) return false;
  if (e.code === '23505') return constraint ? e.constraint === constraint || String((e as Error).message).includes(constraint) : true;
  return e.cause ? isUniqueViolation(e.cause, constraint) : false;
}

/** Network errors of the socket to the database server. */
const UNAVAILABLE_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
/**
 * SQLSTATEs of a database that is not there, going away or out of room: class 08 (connection
 * exception), 57P01-57P03 (admin/crash shutdown, cannot connect now), 57014 (statement_timeout
 * cancelled the query), 53300 (too many connections).
 */
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '57014', '53300']);
/** node-postgres and pg-pool raise these as plain Errors, without a code. */
const UNAVAILABLE_MESSAGES = [
  'Connection terminated',
  'Connection ended unexpectedly',
  'Client has encountered a connection error',
  'timeout exceeded when trying to connect', // pg Pool connectionTimeoutMillis
  'Query read timeout',
  'is not queryable',
  'Cannot use a pool after calling end',
];

/**
 * True when the error means "the database cannot answer now" (down, unreachable, black-holed,
 * timed out) rather than "this query is wrong": such failures answer 503 UNAVAILABLE, and the pool
 * recovers by itself. HTTP (plugins/errors.ts) and frames (realtime) both decide with this.
 * Drizzle wraps driver errors (DrizzleQueryError), so the `cause` chain is searched too.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 6; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && (UNAVAILABLE_ERRNOS.has(code) || UNAVAILABLE_SQLSTATES.has(code) || /^08[0-9A-Z]{3}$/.test(code))) return true;
    // A Drizzle wrapper's message quotes the query and its parameters (user text): only the driver's own.
    const isWrapper = 'query' in e && 'params' in e;
    if (!isWrapper && typeof message === 'string' && UNAVAILABLE_MESSAGES.some((m) => message.includes(m))) return true;
    // An AggregateError: a refused connection to every address of the host.
    const inner = (e as { errors?: unknown }).errors;
    if (Array.isArray(inner) && inner.some((one) => isDatabaseUnavailable(one))) return true;
  }
  return false;
}
