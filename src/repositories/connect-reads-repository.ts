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

/** A text[] as the driver gives it: an array (node-postgres, PGlite) or its literal `{a,b}`; null for none. */
function textArray(value: string[] | string | null): string[] {
  if (value === null) return [];
  if (Array.isArray(value)) return value;
  return value.replace(/^\{|\}$/g, '').split(',').filter(Boolean);
}

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
  // One statement: the room, the members among the users, and (on every row) those banned.
  const accessOfUsers = db
    .select({
      room: rooms,
      userId: roomMembers.userId,
      role: roomMembers.role,
      banned: sql<string[] | string | null>`(SELECT array_agg(b.user_id::text) FROM room_bans b WHERE b.room_id = ${rooms.id} AND b.user_id = ${users})`,
    })
    .from(rooms)
    .leftJoin(roomMembers, and(eq(roomMembers.roomId, rooms.id), sql`${roomMembers.userId} = ${users}`))
    .where(and(eq(rooms.id, sql.placeholder('roomId')), isNull(rooms.deletedAt)))
    .prepare('connect_access');

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

    /**
     * The room and each user's role and ban in it (role null for a non-member), as
     * rooms-repository's access read answers it one user at a time; an empty map when there is no
     * such room or it was deleted.
     */
    async accessOfUsers(roomId: string, userIds: string[]): Promise<Map<string, RoomAccess>> {
      const rows = await accessOfUsers.execute({ roomId, userIds });
      const out = new Map<string, RoomAccess>();
      if (!rows.length) return out;
      const room = rows[0]!.room;
      const banned = new Set(textArray(rows[0]!.banned));
      for (const userId of userIds) out.set(userId, { room, role: null, banned: banned.has(userId) });
      for (const r of rows) if (r.userId) out.set(r.userId, { room, role: r.role, banned: banned.has(r.userId) });
      return out;
    },
  };
}

export type ConnectReadsRepository = ReturnType<typeof createConnectReadsRepository>;
