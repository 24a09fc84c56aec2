/**
 * What instances tell each other on the Redis bus. Every frame names its publishing `instance`
 * (an instance ignores its own when they come back). Frames are checked against these schemas on
 * the way in: anything unknown or malformed (another version, a stray publisher) is dropped.
 */
import { FormatRegistry, Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Id, LogFrame, MessageId, Role, Room, Seq, User } from '../../protocol.js';

// The wire schemas use format: 'date-time'; the compiled checker needs to know what it means.
if (!FormatRegistry.Has('date-time')) FormatRegistry.Set('date-time', (value) => !Number.isNaN(Date.parse(value)));

const Instance = Type.String({ minLength: 1, maxLength: 128 });
/** Names one eviction whose peers answer `evicted` (redis-broker.ts, publishEviction). */
const Ack = Type.String({ minLength: 1, maxLength: 64 });
/** A (room, user) pair as presence stores it (cluster-presence.ts `pairKey`). */
const Pair = Type.String({ maxLength: 200 });

const strict = { additionalProperties: false } as const;
/** Most session ids in one session-ended event (more are split over several). */
export const SESSIONS_PER_EVENT = 500;

export const BusEvent = Type.Union([
  /** A log event (message, edit, deletion, reaction) this instance committed (published once, on the room's channel). */
  Type.Object({ type: Type.Literal('event'), instance: Instance, event: LogFrame }, strict),
  /** A message or edit of this instance mentions people: every instance tells their connections outside the room. */
  Type.Object(
    {
      type: Type.Literal('mention'),
      instance: Instance,
      roomId: Id,
      messageId: MessageId,
      seq: Seq,
      userIds: Type.Array(Id, { maxItems: 1000 }),
      room: Type.Boolean(),
      authorId: Id,
    },
    strict,
  ),
  /** Someone on this instance started or stopped typing (the room's channel). */
  Type.Object({ type: Type.Literal('typing'), instance: Instance, roomId: Id, user: User, isTyping: Type.Boolean() }, strict),
  /** Changes to the (room, user) pairs this instance holds online; `version` orders them against snapshots. */
  Type.Object(
    { type: Type.Literal('presence'), instance: Instance, version: Seq, online: Type.Array(Pair), offline: Type.Array(Pair) },
    strict,
  ),
  /** This instance rewrote its whole presence set in Redis: read it again. */
  Type.Object({ type: Type.Literal('snapshot'), instance: Instance }, strict),
  /** This instance is shutting down (its users get the presence grace period to reconnect elsewhere). */
  Type.Object({ type: Type.Literal('goodbye'), instance: Instance }, strict),
  /** Liveness of the subscriber connection: each instance must hear its own. */
  Type.Object({ type: Type.Literal('ping'), instance: Instance }, strict),
  Type.Object(
    {
      type: Type.Literal('member'),
      instance: Instance,
      roomId: Id,
      action: Type.Union([Type.Literal('joined'), Type.Literal('left')]),
      user: User,
    },
    strict,
  ),
  /** A moderator removed the user (kick or ban): every instance unsubscribes their connections at once. */
  Type.Object({ type: Type.Literal('kicked'), instance: Instance, roomId: Id, user: User }, strict),
  /** The owner changed the user's role: every instance tells the room's subscribers and the user's connections. */
  Type.Object({ type: Type.Literal('role'), instance: Instance, roomId: Id, user: User, role: Role }, strict),
  /** The room's settings changed: every instance tells its subscribers (and forgets cached settings). */
  Type.Object({ type: Type.Literal('room'), instance: Instance, room: Room }, strict),
  /** The owner deleted the room: every instance tells and unsubscribes its subscribers. */
  Type.Object({ type: Type.Literal('room-deleted'), instance: Instance, roomId: Id }, strict),
  /** A user's read cursor moved (their other sockets are told). */
  Type.Object({ type: Type.Literal('read'), instance: Instance, userId: Id, roomId: Id, seq: Seq }, strict),
  /** Sessions ended: every instance evicts them from its session cache and closes their sockets. */
  Type.Object(
    {
      type: Type.Literal('session-ended'),
      instance: Instance,
      sessionIds: Type.Array(Type.String({ maxLength: 200 }), { minItems: 1, maxItems: SESSIONS_PER_EVENT }),
      ack: Type.Optional(Ack),
    },
    strict,
  ),
  /** A profile changed: every instance evicts the user's cached sessions and updates their sockets. */
  Type.Object({ type: Type.Literal('user-updated'), instance: Instance, user: User, ack: Type.Optional(Ack) }, strict),
  /** "I applied the eviction `ack`": the instance that published it answers its request once every peer has. */
  Type.Object({ type: Type.Literal('evicted'), instance: Instance, ack: Ack }, strict),
]);
export type BusEvent = Static<typeof BusEvent>;
export type BusEventType = BusEvent['type'];
export type BusEventOf<K extends BusEventType> = Extract<BusEvent, { type: K }>;

const checker = TypeCompiler.Compile(BusEvent);

/** The event in a bus payload, or why it is not one. */
export function decodeBusEvent(payload: string): { event: BusEvent } | { error: string } {
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    return { error: 'not JSON' };
  }
  if (checker.Check(value)) return { event: value };
  const first = checker.Errors(value).First();
  const type = value && typeof value === 'object' && 'type' in value ? String((value as { type: unknown }).type).slice(0, 40) : '?';
  return { error: `not a bus event (type ${type}${first ? `, ${first.path || '/'}: ${first.message}` : ''})` };
}

export function encodeBusEvent(event: BusEvent): string {
  return JSON.stringify(event);
}
