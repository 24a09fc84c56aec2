/**
 * Mention candidates in a message body: `@username` (the username pattern, case-insensitive) and
 * `@room`. Which of them are real mentions (current members; @room only from an owner or a
 * moderator) is decided by the database when the message is stored or edited.
 */
import { LIMITS } from '../protocol-constants.js';

/** Most distinct names looked up per message; further ones stay plain text. */
export const MAX_MENTION_NAMES = 50;
export const ROOM_MENTION = 'room';

// "@name" not preceded by a name character or another "@" (so "a@b.c" is no mention) and not
// followed by one (so a 25-character name is not cut to 24).
const MENTION = new RegExp(`(?<![A-Za-z0-9_@])@([A-Za-z0-9_]{${LIMITS.USERNAME_MIN},${LIMITS.USERNAME_MAX}})(?![A-Za-z0-9_])`, 'g');

export interface MentionCandidates {
  /** Lower-case usernames in order of first appearance, without "room". */
  names: string[];
  /** The body says @room. */
  room: boolean;
}

export function mentionCandidates(body: string): MentionCandidates {
  const names: string[] = [];
  let room = false;
  if (!body.includes('@')) return { names, room };
  for (const match of body.matchAll(MENTION)) {
    const name = match[1]!.toLowerCase();
    if (name === ROOM_MENTION) room = true;
    else if (!names.includes(name) && names.length < MAX_MENTION_NAMES) names.push(name);
  }
  return { names, room };
}
