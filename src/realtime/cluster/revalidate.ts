/**
 * After a bus outage, what other instances published meanwhile was not heard here: a kick, a ban,
 * a leave or a room deletion on another instance left this instance's sockets subscribed. Once
 * the subscriber is back, every room with subscribers here is checked against Postgres (a batch
 * of rooms at a time, one set-based read per room), and whoever may no longer see it is evicted
 * exactly as the missed event would have done: `member {kicked}` and unsubscribed (a room that
 * was deleted: `room_deleted`). Users online here in such a room (presence, `room` frames) are
 * checked with its subscribers.
 */
import type { User } from '../../protocol.js';
import type { RoomAccess } from '../../repositories/rooms-repository.js';
import type { Hub } from '../hub.js';

/** The room and each user's role and ban in it; an empty map when the room is gone (connect-reads repository). */
export type AccessOfUsers = (roomId: string, userIds: string[]) => Promise<Map<string, RoomAccess>>;

/** Rooms checked at once. */
const ROOM_BATCH = 20;
/** Users per read of one room. */
const USER_BATCH = 500;

export interface Revalidated {
  rooms: number;
  /** (room, user) pairs evicted, a deleted room's subscribers included. */
  evicted: number;
  /** Rooms that could not be checked (the database did not answer): they are left as they are. */
  failed: number;
}

/** The users of the room known here: its subscribers and the members online here. */
function usersIn(hub: Hub, roomId: string): Map<string, User> {
  const users = new Map<string, User>();
  for (const conn of hub.registry.subscribers(roomId) ?? []) users.set(conn.user.id, conn.user);
  for (const userId of hub.presence.localUsersIn(roomId)) {
    if (users.has(userId)) continue;
    for (const conn of hub.registry.connectionsOfUser(userId) ?? []) {
      users.set(userId, conn.user);
      break;
    }
  }
  return users;
}

async function checkRoom(hub: Hub, access: AccessOfUsers, roomId: string, out: Revalidated): Promise<void> {
  const users = usersIn(hub, roomId);
  if (!users.size) return;
  const ids = [...users.keys()];
  const allowed = new Map<string, RoomAccess>();
  for (let k = 0; k < ids.length; k += USER_BATCH) {
    const found = await access(roomId, ids.slice(k, k + USER_BATCH));
    if (!found.size) {
      out.evicted += hub.registry.subscribers(roomId)?.size ?? 0;
      hub.roomDeleted(roomId);
      return;
    }
    for (const [userId, a] of found) allowed.set(userId, a);
  }
  for (const [userId, user] of users) {
    const a = allowed.get(userId);
    if (a?.role && !a.banned) continue;
    out.evicted++;
    hub.memberKicked(roomId, user);
  }
}

export async function revalidateSubscriptions(hub: Hub, access: AccessOfUsers): Promise<Revalidated> {
  const rooms = hub.registry.roomIds();
  const out: Revalidated = { rooms: rooms.length, evicted: 0, failed: 0 };
  for (let k = 0; k < rooms.length; k += ROOM_BATCH) {
    await Promise.all(
      rooms.slice(k, k + ROOM_BATCH).map((roomId) =>
        checkRoom(hub, access, roomId, out).catch(() => {
          out.failed++; // the database is down too: those sockets stay until they reconnect
        }),
      ),
    );
  }
  return out;
}
