import type { Message } from './wire';

/**
 * A message as this app reads it: the version-2 fields filled in when a server of protocol 1 (or
 * a lean bot frame) leaves them out. Returns the same object when nothing is missing, so a
 * version-2 message passes through untouched.
 */
export function withV2Fields(m: Message): Message {
  const o = m as Partial<Message> & Message;
  if (Array.isArray(o.reactions) && Array.isArray(o.mentions) && o.editedAt !== undefined && o.deletedAt !== undefined && o.replyTo !== undefined) {
    return m;
  }
  return {
    ...m,
    editedAt: o.editedAt ?? null,
    deletedAt: o.deletedAt ?? null,
    replyTo: o.replyTo ?? null,
    mentions: Array.isArray(o.mentions) ? o.mentions : [],
    reactions: Array.isArray(o.reactions) ? o.reactions : [],
  };
}
