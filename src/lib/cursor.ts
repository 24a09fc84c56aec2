/**
 * Opaque page cursors: base64url JSON written by this server and checked field by field on the
 * way back in. A cursor that does not decode to exactly the shape the route issued, with every
 * field in the range the database can hold, is refused with 400 VALIDATION (never a 500).
 */
import { UUID_PATTERN } from '../protocol.js';
import { errors } from './errors.js';

export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

export function decodeCursor<T>(cursor: string | undefined, check: (v: unknown) => v is T, field = 'querystring/cursor'): T | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    value = undefined;
  }
  if (value !== undefined && check(value)) return value;
  throw errors.validation(`${field} is not a cursor this server issued`);
}

const UUID = new RegExp(UUID_PATTERN);
/** Exactly what Date#toISOString writes for years 0000-9999. */
const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
/** Timestamps this server writes: from 1970 (Unix epoch) to the last millisecond of 9999. */
const MIN_TIME = 0;
const MAX_TIME = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

export function isUuid(v: unknown): v is string {
  return typeof v === 'string' && UUID.test(v);
}

/** An ISO timestamp in the range above that reads back exactly as written (no 2024-02-30). */
export function isCursorTime(v: unknown): v is string {
  if (typeof v !== 'string' || !ISO_MS.test(v)) return false;
  const t = Date.parse(v);
  return t >= MIN_TIME && t <= MAX_TIME && new Date(t).toISOString() === v;
}

/** A whole number in [0, max] (max at most 2^53 - 1). */
export function isCursorInt(v: unknown, max = Number.MAX_SAFE_INTEGER): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && v <= max;
}
