/**
 * One event of a room log as it travels from the writer (or the bus, or Postgres) through the
 * broker and the sequencer to the hub: the frame subscribers get, with its room and seq at hand.
 */
import type { LogFrame, Message } from '../protocol.js';

export interface LogEvent {
  roomId: string;
  seq: number;
  frame: LogFrame;
}

export function logEventOf(frame: LogFrame): LogEvent {
  return frame.type === 'message'
    ? { roomId: frame.message.roomId, seq: frame.message.seq, frame }
    : { roomId: frame.roomId, seq: frame.seq, frame };
}

export function messageEvent(message: Message): LogEvent {
  return { roomId: message.roomId, seq: message.seq, frame: { type: 'message', message } };
}

/** Who is told of a mention outside the room (their connections not subscribed to it). */
export interface MentionNotice {
  roomId: string;
  messageId: string;
  seq: number;
  /** Mentioned by name (the author excluded). */
  userIds: string[];
  /** @room: every member but the author. */
  room: boolean;
  authorId: string;
}

/** The notice a new or edited message gives, if any: `before` is what it mentioned until now. */
export function mentionNotice(
  message: { roomId: string; id: string; seq: number; mentions: string[]; mentionsRoom: boolean; authorId: string },
  before: { mentions: string[]; mentionsRoom: boolean } = { mentions: [], mentionsRoom: false },
): MentionNotice | null {
  const userIds = message.mentions.filter((u) => u !== message.authorId && !before.mentions.includes(u));
  const room = message.mentionsRoom && !before.mentionsRoom;
  if (!userIds.length && !room) return null;
  return { roomId: message.roomId, messageId: message.id, seq: message.seq, userIds, room, authorId: message.authorId };
}
