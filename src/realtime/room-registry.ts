/**
 * In-memory two-way index: room -> connections and connection -> rooms (Connection.subs), kept in
 * step; plus user -> connections and session -> connections for presence and logout.
 * An empty entry is deleted so the maps only hold what is live. A user or session with a single
 * connection (the usual case) maps straight to it; a Set is made only for a second one (an idle
 * socket does not pay for two one-element Sets). A room's entry keeps the room id every
 * subscriber's SubscriptionMap holds: one string per room, not one per subscription (the subscribe
 * frame's own copy dies with the frame).
 */
import type { Connection } from './connection.js';
import type { Subscription } from './subscription.js';

/** One connection, or several. */
type Bucket = Connection | Set<Connection>;

/** A room's subscribers here, and the one copy of its id that they share. */
interface RoomEntry {
  readonly roomId: string;
  readonly conns: Set<Connection>;
}

function addToBucket<K>(map: Map<K, Bucket>, key: K, conn: Connection): void {
  const held = map.get(key);
  if (!held) map.set(key, conn);
  else if (held instanceof Set) held.add(conn);
  else if (held !== conn) map.set(key, new Set([held, conn]));
}

function removeFromBucket<K>(map: Map<K, Bucket>, key: K, conn: Connection): void {
  const held = map.get(key);
  if (held === conn) map.delete(key);
  else if (held instanceof Set && held.delete(conn) && held.size === 1) map.set(key, held.values().next().value!);
}

function bucketOf<K>(map: Map<K, Bucket>, key: K): Iterable<Connection> | undefined {
  const held = map.get(key);
  return held instanceof Set ? held : held && [held];
}

export class RoomRegistry {
  private readonly rooms = new Map<string, RoomEntry>();
  private readonly users = new Map<string, Bucket>();
  private readonly sessions = new Map<string, Bucket>();

  /** `onRoomEmpty`: the room's last subscriber here is gone (its cross-instance feed may go). */
  constructor(private readonly onRoomEmpty: (roomId: string) => void) {}

  /** Registers a new connection. */
  add(conn: Connection): void {
    addToBucket(this.sessions, conn.sessionId, conn);
    addToBucket(this.users, conn.user.id, conn);
  }

  /** Removes the connection from every index. */
  remove(conn: Connection): void {
    for (const roomId of conn.subs.keys()) this.leaveRoom(roomId, conn);
    conn.subs.clear();
    removeFromBucket(this.sessions, conn.sessionId, conn);
    removeFromBucket(this.users, conn.user.id, conn);
  }

  subscribe(conn: Connection, roomId: string, sub: Subscription): void {
    let room = this.rooms.get(roomId);
    if (!room) {
      room = { roomId, conns: new Set() };
      this.rooms.set(roomId, room);
    }
    room.conns.add(conn);
    conn.subs.set(room.roomId, sub);
  }

  unsubscribe(conn: Connection, roomId: string): boolean {
    const had = conn.subs.delete(roomId);
    this.leaveRoom(roomId, conn);
    return had;
  }

  private leaveRoom(roomId: string, conn: Connection): void {
    const room = this.rooms.get(roomId);
    if (!room?.conns.delete(conn) || room.conns.size > 0) return;
    this.rooms.delete(roomId);
    this.onRoomEmpty(roomId);
  }

  /** The rooms with at least one subscriber here. */
  roomIds(): string[] {
    return [...this.rooms.keys()];
  }

  subscribers(roomId: string): ReadonlySet<Connection> | undefined {
    return this.rooms.get(roomId)?.conns;
  }

  connectionsOfUser(userId: string): Iterable<Connection> | undefined {
    return bucketOf(this.users, userId);
  }

  connectionsOfSession(sessionId: string): Iterable<Connection> | undefined {
    return bucketOf(this.sessions, sessionId);
  }

  sessionIds(): string[] {
    return [...this.sessions.keys()];
  }

  all(): IterableIterator<Connection> {
    const users = this.users;
    return (function* () {
      for (const held of users.values()) {
        if (held instanceof Set) yield* held;
        else yield held;
      }
    })();
  }
}
