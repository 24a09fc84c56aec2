/** Text checks shared by REST routes and WebSocket frames. */
import { errors } from './errors.js';

/** Number of Unicode code points (what a person counts as characters, near enough). */
export function charLength(value: string): number {
  let n = 0;
  for (const _ of value) n++;
  return n;
}

/** Postgres text cannot hold NUL; other C0 controls except tab/newline/CR are refused too. */
// eslint-disable-next-line no-control-regex
const FORBIDDEN_CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
export function hasForbiddenControl(value: string): boolean {
  return FORBIDDEN_CONTROL.test(value);
}

/** Escapes LIKE metacharacters so user input matches literally (with ESCAPE '\'). */
export function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export function toIso(value: Date | string): string {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

/** A message body as stored: trimmed, not blank, no control characters, at most `maxChars`. */
/** `allowEmpty`: a message with attachments may have no text. */
export function cleanMessageBody(raw: string, maxChars: number, allowEmpty = false): string {
  const body = raw.trim();
  if (!body && !allowEmpty) throw errors.validation('Message body must not be blank');
  if (hasForbiddenControl(body)) throw errors.validation('Message body contains control characters');
  if (charLength(body) > maxChars) throw errors.messageTooLong(maxChars);
  return body;
}
