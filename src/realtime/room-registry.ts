/**
 * In-memory two-way index: room -> connections and connection -> rooms (Connection.subs), kept in
 * step; plus user -> connections and session -> connections for presence and logout.
 * An empty set is deleted so the maps only hold what is live.
 */
import type { Connection } from './connection.js';
import type { Subscription } from './subscription.js';



function addTo<K>(map: Map<K, Set<Connection>>, key: K, conn: Connection): number {
  let set = map.get(key);
  if (!set) {
    set = new Set();
    map.set(key, set);
  }
  set.add(conn);
  return set.size;
}

function removeFrom<K>(map: Map<K, Set<Connection>>, key: K, conn: Connection): number {
  const set = map.get(key);
  if (!set) return 0;
  set.delete(conn);
  if (set.size === 0) map.delete(key);
  return set.size;
}

export class RoomRegistry {
  private readonly rooms = new Map<string, Set<Connection>>();
  private readonly users = new Map<string, Set<Connection>>();
  private readonly sessions = new Map<string, Set<Connection>>();

  /** `onRoomEmpty`: the room's last subscriber here is gone (its cross-instance feed may go). */
  constructor(private readonly onRoomEmpty: (roomId: string) => void) {}

  /** Registers a new connection; returns how many connections the user now has here. */
  add(conn: Connection): number {
    addTo(this.sessions, conn.sessionId, conn);
    return addTo(this.users, conn.user.id, conn);
  }

  /** Removes the connection from every index; returns the user's remaining connection count. */
  remove(conn: Connection): number {
    for (const roomId of conn.subs.keys()) this.leaveRoom(roomId, conn);
    conn.subs.clear();
    removeFrom(this.sessions, conn.sessionId, conn);
    return removeFrom(this.users, conn.user.id, conn);
  }

  subscribe(conn: Connection, roomId: string, sub: Subscription): void {
    conn.subs.set(roomId, sub);
    addTo(this.rooms, roomId, conn);
  }

  unsubscribe(conn: Connection, roomId: string): boolean {
    const had = conn.subs.delete(roomId);
    this.leaveRoom(roomId, conn);
    return had;
  }

  private leaveRoom(roomId: string, conn: Connection): void {
    if (!this.rooms.get(roomId)?.has(conn)) return;
    if (removeFrom(this.rooms, roomId, conn) === 0) this.onRoomEmpty(roomId);
  }

  subscribers(roomId: string): ReadonlySet<Connection> | undefined {
    return this.rooms.get(roomId);
  }

  connectionsOfUser(userId: string): ReadonlySet<Connection> | undefined {
    return this.users.get(userId);
  }

  connectionsOfSession(sessionId: string): ReadonlySet<Connection> | undefined {
    return this.sessions.get(sessionId);
  }

  sessionIds(): string[] {
    return [...this.sessions.keys()];
  }

  all(): IterableIterator<Connection> {
    const users = this.users;
    return (function* () {
      for (const set of users.values()) yield* set;
    })();
  }
}
