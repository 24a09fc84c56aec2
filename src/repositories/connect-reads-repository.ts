/**
 * What every new WebSocket connection reads (its user's rooms for presence, then the access of
 * each room it subscribes to), as set-based queries over many users at once. Called through the
 * turn batchers of src/realtime/connect-reads.ts; each row answers the same question as
 * `roomIdsOf` / `access` of the rooms repository for one user.
 */
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { roomMembers, rooms } from '../db/schema.js';
import type { RoomAccess } from './rooms-repository.js';

export function createConnectReadsRepository(db: Executor) {
  // Prepared once, named (Postgres parses and plans each once per connection): a reconnect storm
  // sends them thousands of times. The user lists are one array parameter, so one text serves
  // any batch size.
  const users = sql`ANY(${sql.placeholder('userIds')}::uuid[])`;
  const roomIdsOfUsers = db
    .select({ userId: roomMembers.userId, roomId: roomMembers.roomId })
    .from(roomMembers)
    .where(sql`${roomMembers.userId} = ${users}`)
    .prepare('connect_room_ids');
  // One statement for any number of (room, user) pairs: each pair of a room that exists gets one
  // row, with the user's role in it (null for a non-member) and whether they are banned.
  const pairsAccess = db
    .select({
      room: rooms,
      userId: sql<string>`p.user_id`,
      role: roomMembers.role,
      banned: sql<boolean>`EXISTS (SELECT 1 FROM room_bans b WHERE b.room_id = p.room_id AND b.user_id = p.user_id)`,
    })
    .from(rooms)
    .innerJoin(sql`unnest(${sql.placeholder('roomIds')}::uuid[], ${sql.placeholder('userIds')}::uuid[]) AS p(room_id, user_id)`, sql`p.room_id = ${rooms.id}`)
    .leftJoin(roomMembers, and(eq(roomMembers.roomId, rooms.id), sql`${roomMembers.userId} = p.user_id`))
    .where(isNull(rooms.deletedAt))
    .prepare('connect_access');

  /**
   * Any number of (room, user) pairs at once: per room, each user's access (as rooms-repository
   * `access`); rooms missing or deleted are absent.
   */
  async function accessOfPairs(pairs: { roomId: string; userId: string }[]): Promise<Map<string, Map<string, RoomAccess>>> {
    const rows = await pairsAccess.execute({ roomIds: pairs.map((p) => p.roomId), userIds: pairs.map((p) => p.userId) });
    const out = new Map<string, Map<string, RoomAccess>>();
    for (const r of rows) {
      let users = out.get(r.room.id);
      if (!users) out.set(r.room.id, (users = new Map()));
      users.set(r.userId, { room: r.room, role: r.role, banned: r.banned });
    }
    return out;
  }

  return {
    /** Each user's rooms (a user who is in none is absent from the map). */
    async roomIdsOfUsers(userIds: string[]): Promise<Map<string, string[]>> {
      const rows = await roomIdsOfUsers.execute({ userIds });
      const out = new Map<string, string[]>();
      for (const r of rows) {
        const list = out.get(r.userId);
        if (list) list.push(r.roomId);
        else out.set(r.userId, [r.roomId]);
      }
      return out;
    },

    accessOfPairs,

    /**
     * The room and each user's role and ban in it (role null for a non-member), as
     * rooms-repository's access read answers it one user at a time; an empty map when there is no
     * such room or it was deleted.
     */
    async accessOfUsers(roomId: string, userIds: string[]): Promise<Map<string, RoomAccess>> {
      return (await accessOfPairs(userIds.map((userId) => ({ roomId, userId })))).get(roomId) ?? new Map();
    },
  };
}

export type ConnectReadsRepository = ReturnType<typeof createConnectReadsRepository>;
