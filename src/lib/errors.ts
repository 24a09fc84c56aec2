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
  messageNotFound: () => new AppError(404, 'MESSAGE_NOT_FOUND', 'Message not found'),
  unavailable: () => new AppError(503, 'UNAVAILABLE', 'Server is shutting down or busy; retry later. Nothing was stored.'),
};

/** Postgres unique violation (SQLSTATE 23505), on either driver. */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const e = err as { code?: string; constraint?: string; cause?: unknown } | null;
  if (!e) return false;
  if (e.code === '23505') return constraint ? e.constraint === constraint || String((e as Error).message).includes(constraint) : true;
  return e.cause ? isUniqueViolation(e.cause, constraint) : false;
}

/** SQLSTATEs of a lost or refused database connection: class 08, and 57P01-57P03 (shutdown, cannot connect now). */
const UNAVAILABLE_SQLSTATE = /^(08[0-9A-Z]{3}|57P0[1-3])$/;
const UNAVAILABLE_ERRNO = new Set(['ECONNREFUSED', 'ETIMEDOUT', 'ECONNRESET', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
const UNAVAILABLE_MESSAGE = [
  'Connection terminated',
  'timeout exceeded when trying to connect', // pg Pool connectionTimeoutMillis
  'Client has encountered a connection error',
  'Connection ended unexpectedly',
];

/**
 * Whether an error says the database cannot be reached right now (as opposed to a bug or a bad
 * query): answered as UNAVAILABLE (503 / error frame), never INTERNAL. Looks through `cause`
 * chains and AggregateErrors (a refused connection to every address).
 */
export function isDatabaseUnavailable(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 5) return false;
  const e = err as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
  if (typeof e.code === 'string' && (UNAVAILABLE_SQLSTATE.test(e.code) || UNAVAILABLE_ERRNO.has(e.code))) return true;
  if (typeof e.message === 'string' && UNAVAILABLE_MESSAGE.some((m) => (e.message as string).includes(m))) return true;
  if (Array.isArray(e.errors) && e.errors.some((inner) => isDatabaseUnavailable(inner, depth + 1))) return true;
  return isDatabaseUnavailable(e.cause, depth + 1);
}
