import { withV2Fields } from '../lib/message-compat';
import type { ServerFrame } from '../lib/wire';

/**
 * Turns what arrives on the socket into a `ServerFrame`, or null. Nothing is cast blindly: each
 * frame type has a guard that checks the fields the app reads, so a frame with an unknown `type`
 * (a newer server) or a wrong shape is dropped (and logged in development) instead of reaching the
 * store half-formed. The server is trusted for content; this only keeps the app from misbehaving.
 */

type Obj = Record<string, unknown>;
type Guard = (o: Obj) => boolean;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): v is string => typeof v === 'string';
const int = (v: unknown): v is number => Number.isInteger(v);
const bool = (v: unknown): v is boolean => typeof v === 'boolean';
const optional = (v: unknown, check: (x: unknown) => boolean) => v === undefined || check(v);
const user = (v: unknown) => isObj(v) && str(v.id) && str(v.username);
const message = (v: unknown) =>
  isObj(v) &&
  str(v.id) &&
  str(v.roomId) &&
  int(v.seq) &&
  str(v.clientMsgId) &&
  user(v.author) &&
  str(v.body) &&
  str(v.createdAt) &&
  optional(v.mentions, strings) &&
  optional(v.reactions, (r) => Array.isArray(r) && r.every(reaction));
const strings = (v: unknown) => Array.isArray(v) && v.every(str);
const reaction = (v: unknown) => isObj(v) && str(v.emoji) && int(v.count) && strings(v.userIds);
/** A log event's common fields. */
const event = (o: Obj) => str(o.roomId) && int(o.seq) && str(o.messageId);

/** One guard per server frame type: a new frame type does not compile until it has one. */
const GUARDS: { [K in ServerFrame['type']]: Guard } = {
  ready: (o) => user(o.user) && int(o.protocol) && int(o.heartbeatMs),
  subscribed: (o) => str(o.roomId) && int(o.lastSeq) && bool(o.recovered) && Array.isArray(o.online) && o.online.every(str),
  ack: (o) => str(o.clientMsgId) && message(o.message),
  message: (o) => message(o.message),
  typing: (o) => str(o.roomId) && user(o.user) && bool(o.isTyping),
  presence: (o) => str(o.roomId) && str(o.userId) && bool(o.online),
  member: (o) =>
    str(o.roomId) &&
    user(o.user) &&
    (['joined', 'left', 'kicked'].includes(o.action as string) || (o.action === 'role' && ['owner', 'moderator', 'member'].includes(o.role as string))),
  room: (o) => isObj(o.room) && str(o.room.id) && str(o.room.name) && int(o.room.slowModeSec),
  room_deleted: (o) => str(o.roomId),
  read: (o) => str(o.roomId) && int(o.seq),
  pong: () => true,
  error: (o) => str(o.code) && str(o.message) && optional(o.ref, str) && optional(o.retryAfterMs, int),
  edit: (o) => event(o) && str(o.body) && strings(o.mentions) && bool(o.mentionsRoom) && str(o.editedAt),
  delete: (o) => event(o) && str(o.deletedBy) && str(o.deletedAt),
  reaction: (o) => event(o) && str(o.emoji) && str(o.userId) && bool(o.added) && int(o.count),
  mention: (o) => event(o),
};

function isKnownType(type: unknown): type is ServerFrame['type'] {
  return str(type) && Object.hasOwn(GUARDS, type);
}

function devWarn(text: string, data: unknown): void {
  if (import.meta.env.DEV) console.warn(`[sync] ${text}`, data);
}

/** Parses one text frame; null for anything that is not a well-formed frame of a known type. */
export function parseServerFrame(data: unknown): ServerFrame | null {
  if (typeof data !== 'string') return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    devWarn('ignored a frame that is not JSON', data);
    return null;
  }
  if (!isObj(parsed) || !isKnownType(parsed.type)) {
    devWarn('ignored a frame of unknown type', parsed);
    return null;
  }
  if (!GUARDS[parsed.type](parsed)) {
    devWarn(`ignored a malformed '${parsed.type}' frame`, parsed);
    return null;
  }
  // The guard of its type has checked every field the app reads.
  const frame = parsed as ServerFrame;
  if (frame.type === 'message' || frame.type === 'ack') return { ...frame, message: withV2Fields(frame.message) };
  return frame;
}
