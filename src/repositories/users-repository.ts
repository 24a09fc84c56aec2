import { and, eq, gt, inArray as inList, isNull, lt, ne, sql, type Column } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { roomMembers, rooms, sessions, users, type UserRow } from '../db/schema.js';
import { AppError, isUniqueViolation } from '../lib/errors.js';

export interface SessionWithUser {
  sessionId: string;
  expiresAt: Date;
  user: UserRow;
}

/** What the guest sweep did, for the broker (sockets closed, rooms told). */
export interface SweptGuests {
  users: UserRow[];
  sessionIds: string[];
  memberships: { roomId: string; userId: string }[];
}

/** The name a removed guest keeps: never a valid username (a hyphen, longer than USERNAME_MAX). */
const DELETED_GUEST_NAME = sql`'deleted-guest-' || substr(replace(${users.id}::text, '-', ''), 1, 12)`;

/**
 * "This guest is inactive": no authenticated request since `cutoff` (users.last_active_at, kept
 * by touchActivity). The one place the measure lives: sessions' last-seen time can replace it.
 */
const inactiveGuest = (cutoff: Date) =>
  and(eq(users.isGuest, true), isNull(users.deletedAt), lt(users.lastActiveAt, cutoff));

const inArray = (ids: string[]) => (column: Column) => inList(column, ids);

export function createUsersRepository(db: Executor) {
  return {
    /** A full account (with a password hash) or a guest (null hash, isGuest). */
    async create(input: { username: string; email: string | null; passwordHash: string | null; isGuest?: boolean }): Promise<UserRow> {
      try {
        const [row] = await db.insert(users).values(input).returning();
        return row!;
      } catch (err) {
        if (isUniqueViolation(err, 'users_username_lower_key')) {
          throw new AppError(409, 'USERNAME_TAKEN', 'That username is taken');
        }
        if (isUniqueViolation(err, 'users_email_lower_key')) {
          throw new AppError(409, 'EMAIL_TAKEN', 'That email is already registered');
        }
        throw err;
      }
    },

    async findByLogin(login: string): Promise<UserRow | undefined> {
      const key = login.toLowerCase();
      const where = login.includes('@')
        ? sql`lower(${users.email}) = ${key}`
        : sql`lower(${users.username}) = ${key}`;
      const [row] = await db.select().from(users).where(where).limit(1);
      return row;
    },

    async createSession(userId: string, ttlMs: number): Promise<{ id: string; expiresAt: Date }> {
      const expiresAt = new Date(Date.now() + ttlMs);
      const [row] = await db.insert(sessions).values({ userId, expiresAt }).returning({ id: sessions.id });
      return { id: row!.id, expiresAt };
    },

    /** The session and its user, if the session exists and has not expired. One indexed query. */
    async findSession(sessionId: string): Promise<SessionWithUser | undefined> {
      const [row] = await db
        .select({ sessionId: sessions.id, expiresAt: sessions.expiresAt, user: users })
        .from(sessions)
        .innerJoin(users, eq(users.id, sessions.userId))
        .where(and(eq(sessions.id, sessionId), gt(sessions.expiresAt, sql`now()`)))
        .limit(1);
      return row;
    },

    async deleteSession(sessionId: string): Promise<void> {
      await db.delete(sessions).where(eq(sessions.id, sessionId));
    },

    /**
     * A guest becomes a full account: one statement, so it cannot race the sweep or a second
     * upgrade. undefined when the user is no (live) guest.
     */
    async upgradeGuest(userId: string, input: { passwordHash: string; email: string | null }): Promise<UserRow | undefined> {
      try {
        const [row] = await db
          .update(users)
          .set({ passwordHash: input.passwordHash, email: input.email, isGuest: false, lastActiveAt: sql`now()` })
          .where(and(eq(users.id, userId), eq(users.isGuest, true), isNull(users.deletedAt)))
          .returning();
        return row;
      } catch (err) {
        if (isUniqueViolation(err, 'users_email_lower_key')) throw new AppError(409, 'EMAIL_TAKEN', 'That email is already registered');
        throw err;
      }
    },

    /** Records use of the account now, unless it was recorded less than `everyMs` ago (cheap: at most one write per period). */
    async touchActivity(userId: string, everyMs: number): Promise<void> {
      await db
        .update(users)
        .set({ lastActiveAt: sql`now()` })
        .where(and(eq(users.id, userId), lt(users.lastActiveAt, sql`now() - ${`${everyMs} milliseconds`}::interval`)));
    },

    /**
     * Removes up to `limit` guests inactive since `cutoff`, in one transaction. The row stays, so
     * their messages, replies, reactions and mentions still render, but anonymised
     * ("deleted-guest-<12 hex>", no email, avatar or password, deleted_at set); their sessions end
     * and they leave every room they do not own (member counts follow). Safe with several
     * instances: the UPDATE re-checks its condition on each row it locks, so a guest another
     * instance just removed (or that just upgraded) is skipped, and the rest follows from its rows.
     */
    async sweepInactiveGuests(cutoff: Date, limit = 500): Promise<SweptGuests> {
      return db.transaction(async (tx) => {
        const pick = tx.select({ id: users.id }).from(users).where(inactiveGuest(cutoff)).orderBy(users.lastActiveAt).limit(limit);
        const gone = await tx
          .update(users)
          .set({ username: DELETED_GUEST_NAME, email: null, avatarUrl: null, passwordHash: null, deletedAt: sql`now()` })
          .where(and(inactiveGuest(cutoff), sql`${users.id} IN (${pick})`))
          .returning();
        if (gone.length === 0) return { users: [], sessionIds: [], memberships: [] };
        const ids = inArray(gone.map((r) => r.id));
        const ended = await tx.delete(sessions).where(ids(sessions.userId)).returning({ id: sessions.id });
        const left = await tx
          .delete(roomMembers)
          .where(and(ids(roomMembers.userId), ne(roomMembers.role, 'owner')))
          .returning({ roomId: roomMembers.roomId, userId: roomMembers.userId });
        const perRoom = new Map<string, number>();
        for (const m of left) perRoom.set(m.roomId, (perRoom.get(m.roomId) ?? 0) + 1);
        // Room by room in id order, so two sweeps never wait on each other's room locks crosswise.
        for (const [roomId, n] of [...perRoom].sort(([a], [b]) => (a < b ? -1 : 1))) {
          await tx.update(rooms).set({ memberCount: sql`${rooms.memberCount} - ${n}::int` }).where(eq(rooms.id, roomId));
        }
        return { users: gone, sessionIds: ended.map((r) => r.id), memberships: left };
      });
    },
  };
}

export type UsersRepository = ReturnType<typeof createUsersRepository>;
