import type { Message } from './wire';

/**
 * Pure transitions of a message under the room log's events (edit, delete, reaction). Each one is
 * idempotent: applying the same event twice gives the same message, which is what makes a replay
 * after a reconnect, or an event that echoes a change this tab already applied, harmless. A list
 * helper returns the SAME array when nothing in it changed, so untouched timelines do not re-render.
 */

export interface EditChange {
  messageId: string;
  body: string;
  mentions: string[];
  mentionsRoom: boolean;
  editedAt: string;
}
export interface DeleteChange {
  messageId: string;
  deletedAt: string;
}
export interface ReactionChange {
  messageId: string;
  emoji: string;
  userId: string;
  added: boolean;
}

export function isDeleted(m: Message): boolean {
  return m.deletedAt !== null;
}

export function edited(m: Message, c: EditChange): Message {
  if (isDeleted(m)) return m;
  if (m.body === c.body && m.editedAt === c.editedAt && m.mentionsRoom === c.mentionsRoom && sameIds(m.mentions, c.mentions)) return m;
  return { ...m, body: c.body, mentions: c.mentions, mentionsRoom: c.mentionsRoom, editedAt: c.editedAt };
}

/** The tombstone: id and seq stay, content goes (as the server keeps it). */
export function deleted(m: Message, c: DeleteChange): Message {
  if (isDeleted(m)) return m;
  return { ...m, body: '', deletedAt: c.deletedAt, attachments: [], replyTo: null, mentions: [], mentionsRoom: false, reactions: [] };
}

/** `userIds` are complete, so the count is theirs; an emoji nobody holds any more disappears. */
export function reacted(m: Message, c: ReactionChange): Message {
  if (isDeleted(m)) return m;
  const i = m.reactions.findIndex((r) => r.emoji === c.emoji);
  const current = i >= 0 ? m.reactions[i]! : null;
  const has = current?.userIds.includes(c.userId) ?? false;
  if (has === c.added) return m;
  const reactions = [...m.reactions];
  if (c.added) {
    const userIds = [...(current?.userIds ?? []), c.userId];
    const next = { emoji: c.emoji, count: userIds.length, userIds };
    if (current) reactions[i] = next;
    else reactions.push(next);
  } else {
    const userIds = current!.userIds.filter((u) => u !== c.userId);
    if (userIds.length === 0) reactions.splice(i, 1);
    else reactions[i] = { emoji: c.emoji, count: userIds.length, userIds };
  }
  return { ...m, reactions };
}

/** A reply whose original was deleted shows so. */
export function replyOrphaned(m: Message, originalId: string): Message {
  return m.replyTo && m.replyTo.id === originalId && !m.replyTo.deleted ? { ...m, replyTo: { ...m.replyTo, excerpt: '', deleted: true } } : m;
}

/** Maps every message of the list; the same array back when none changed. */
export function mapMessages(list: Message[], fn: (m: Message) => Message): Message[] {
  let out: Message[] | null = null;
  for (let i = 0; i < list.length; i++) {
    const next = fn(list[i]!);
    if (next !== list[i]) {
      out ??= [...list];
      out[i] = next;
    }
  }
  return out ?? list;
}

/** Applies `fn` to the message with this id (and `also` to every message, for replies). */
export function patchById(list: Message[], messageId: string, fn: (m: Message) => Message, also?: (m: Message) => Message): Message[] {
  return mapMessages(list, (m) => {
    const own = m.id === messageId ? fn(m) : m;
    return also ? also(own) : own;
  });
}

/** Whether the message mentions this user: by name, or everyone with `@room` (not its author). */
export function mentions(m: Message, userId: string | undefined): boolean {
  return userId !== undefined && (m.mentions.includes(userId) || (m.mentionsRoom && m.author.id !== userId));
}

function sameIds(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
