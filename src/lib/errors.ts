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
