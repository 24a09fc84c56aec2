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
  isObj(v) && str(v.id) && str(v.roomId) && int(v.seq) && str(v.clientMsgId) && user(v.author) && str(v.body) && str(v.createdAt);

/** One guard per server frame type: a new frame type does not compile until it has one. */
const GUARDS: { [K in ServerFrame['type']]: Guard } = {
  ready: (o) => user(o.user) && int(o.protocol) && int(o.heartbeatMs),
  subscribed: (o) => str(o.roomId) && int(o.lastSeq) && bool(o.recovered) && Array.isArray(o.online) && o.online.every(str),
  ack: (o) => str(o.clientMsgId) && message(o.message),
  message: (o) => message(o.message),
  typing: (o) => str(o.roomId) && user(o.user) && bool(o.isTyping),
  presence: (o) => str(o.roomId) && str(o.userId) && bool(o.online),
  member: (o) => str(o.roomId) && (o.action === 'joined' || o.action === 'left') && user(o.user),
  read: (o) => str(o.roomId) && int(o.seq),
  // Room log events and mentions (issue 10): the web app applies them on branch h6-roomlog-ui.
  edit: (o) => str(o.roomId) && int(o.seq) && str(o.messageId) && str(o.body),
  delete: (o) => str(o.roomId) && int(o.seq) && str(o.messageId),
  reaction: (o) => str(o.roomId) && int(o.seq) && str(o.messageId) && str(o.emoji) && bool(o.added) && int(o.count),
  mention: (o) => str(o.roomId) && str(o.messageId) && int(o.seq),
  pong: () => true,
  error: (o) => str(o.code) && str(o.message) && optional(o.ref, str) && optional(o.retryAfterMs, int),
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
  return parsed as ServerFrame;
}
