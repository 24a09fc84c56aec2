import type { Message } from './wire';

/**
 * A message as this app reads it: the version-2 fields filled in when a server of protocol 1 (or
 * a lean bot frame) leaves them out. Returns the same object when nothing is missing, so a
 * version-2 message passes through untouched.
 */
export function withV2Fields(m: Message): Message {
  const o = m as Partial<Message> & Message;
  const complete =
    Array.isArray(o.reactions) &&
    Array.isArray(o.mentions) &&
    Array.isArray(o.attachments) &&
    typeof o.mentionsRoom === 'boolean' &&
    o.editedAt !== undefined &&
    o.deletedAt !== undefined &&
    o.replyTo !== undefined;
  if (complete) return m;
  return {
    ...m,
    editedAt: o.editedAt ?? null,
    deletedAt: o.deletedAt ?? null,
    attachments: Array.isArray(o.attachments) ? o.attachments : [],
    replyTo: o.replyTo ?? null,
    mentions: Array.isArray(o.mentions) ? o.mentions : [],
    mentionsRoom: o.mentionsRoom === true,
    reactions: Array.isArray(o.reactions) ? o.reactions : [],
  };
}
