/**
 * Text checks shared by REST routes and WebSocket frames. Every user-written text goes through one
 * of the `clean*` functions below before it is stored or echoed, so what a client is told (an ack,
 * a 201) is exactly what a later read returns.
 *
 * Decisions (what is refused or rewritten, and where):
 * - Lone UTF-16 surrogates become U+FFFD everywhere (the database would do it on write anyway).
 * - Bidi embeddings, overrides and isolates (U+202A-202E, U+2066-2069) are refused everywhere:
 *   they reorder what follows them and can make a text read differently than it is. The plain
 *   marks U+200E/U+200F/U+061C are legitimate in right-to-left prose and stay allowed in
 *   message bodies and descriptions; names refuse them with every other invisible character.
 * - Names and descriptions are NFKC-normalized (one spelling for look-alike compatibility
 *   characters). Message bodies are NFC-normalized only: NFKC would rewrite what people typed
 *   (x² -> x2, full-width punctuation -> ASCII), and look-alikes matter for identifiers, not prose.
 * - A text that is only whitespace and invisible characters (U+200B, U+2060, U+FEFF, U+3164,
 *   U+2800, ...) counts as blank.
 * - Room names refuse every invisible (default-ignorable) character except the emoji variation
 *   selectors and a zero-width joiner between two pictographs (family emoji and the like).
 */
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

const BIDI_CONTROL = /[\u202A-\u202E\u2066-\u2069]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
/** What renders as nothing: whitespace, default-ignorable code points, the braille blank. */
const INVISIBLE = /[\p{White_Space}\p{Default_Ignorable_Code_Point}\u2800]/gu;
/** Invisible characters a room name may hold: emoji variation selectors, ZWJ inside emoji. */
const NAME_INVISIBLE_ALLOWED = /[\uFE0E\uFE0F]|(?<=\p{Extended_Pictographic}\uFE0F?)\u200D(?=\p{Extended_Pictographic})/gu;
const NAME_INVISIBLE = /\p{Default_Ignorable_Code_Point}/u;

/** Replaces lone surrogates with U+FFFD, as the UTF-8 encoder of the database driver would. */
export function toWellFormed(value: string): string {
  return value.replace(LONE_SURROGATE, '\uFFFD');
}

/** True when nothing visible is left once whitespace and invisible characters are removed. */
export function isInvisible(value: string): boolean {
  return value.replace(INVISIBLE, '') === '';
}

/** Drops default-ignorable code points (for comparing names, never for storing them). */
export function stripIgnorable(value: string): string {
  return value.replace(/\p{Default_Ignorable_Code_Point}/gu, '');
}

/** Escapes LIKE metacharacters so user input matches literally (with ESCAPE '\'). */
export function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export function toIso(value: Date | string): string {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

/** The checks every stored text passes; `field` names it in the error message. */
function checkText(value: string, field: string): void {
  if (hasForbiddenControl(value)) throw errors.validation(`${field} contains control characters`);
  if (BIDI_CONTROL.test(value)) throw errors.validation(`${field} contains bidirectional control characters`);
}

/**
 * A message body as stored: NFC, trimmed, not blank or invisible, no control characters, at most
 * `maxChars`. `allowEmpty`: a message with attachments may have no text.
 */
export function cleanMessageBody(raw: string, maxChars: number, allowEmpty = false): string {
  const body = toWellFormed(raw).normalize('NFC').trim();
  if (isInvisible(body) && !(allowEmpty && body === '')) throw errors.validation('Message body must not be blank');
  checkText(body, 'Message body');
  if (charLength(body) > maxChars) throw errors.messageTooLong(maxChars);
  return body;
}

/** A room name as stored: NFKC, whitespace runs collapsed, no invisible or control characters. */
export function cleanRoomName(raw: string, field = 'body/name'): string {
  // Unicode White_Space, not JS \s: U+FEFF inside a name is an invisible character, not a space.
  const name = toWellFormed(raw).normalize('NFKC').trim().replace(/\p{White_Space}+/gu, ' ');
  if (isInvisible(name)) throw errors.validation(`${field} must not be blank`);
  checkText(name, field);
  if (NAME_INVISIBLE.test(name.replace(NAME_INVISIBLE_ALLOWED, ''))) throw errors.validation(`${field} contains invisible characters`);
  return name;
}

/** A display name as stored: the room-name rules (cleanRoomName), then 1 to `maxChars` code points. */
export function cleanDisplayName(raw: string, maxChars: number, field = 'body/displayName'): string {
  const name = cleanRoomName(raw, field);
  if (charLength(name) > maxChars) throw errors.validation(`${field} must be at most ${maxChars} characters`);
  return name;
}

/**
 * A User-Agent header as stored with a session: control characters dropped, whitespace runs
 * collapsed, at most `maxChars` code points; null when nothing is left. Only ever displayed.
 */
export function cleanUserAgent(raw: string | undefined, maxChars: number): string | null {
  if (!raw) return null;
  // eslint-disable-next-line no-control-regex
  const text = toWellFormed(raw).replace(/[\u0000-\u001F\u007F\u202A-\u202E\u2066-\u2069]/g, ' ').replace(/\s+/g, ' ').trim();
  if (!text) return null;
  return [...text].slice(0, maxChars).join('');
}

/** A room description as stored: NFKC, trimmed; empty is fine, invisible-only is not. */
export function cleanDescription(raw: string, field = 'body/description'): string {
  const description = toWellFormed(raw).normalize('NFKC').trim();
  checkText(description, field);
  if (description && isInvisible(description)) throw errors.validation(`${field} must not be only invisible characters`);
  return description;
}

/** A search query: the same normalization as names, so it matches what was stored. */
export function cleanQuery(raw: string, field = 'querystring/q'): string {
  if (hasForbiddenControl(raw)) throw errors.validation(`${field} contains control characters`);
  return toWellFormed(raw).normalize('NFKC').trim();
}
