import { and, desc, eq, gt, inArray as inList, isNull, lt, ne, sql, type Column } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { roomMembers, rooms, sessions, users, type UserRow } from '../db/schema.js';
import { AppError, isUniqueViolation } from '../lib/errors.js';

export interface SessionWithUser {
  sessionId: string;
  expiresAt: Date;
  user: UserRow;
}

/** A session as its owner sees it in the sessions list. */
export interface SessionInfo {
  id: string;
  createdAt: Date;
  lastSeenAt: Date;
  userAgent: string | null;
}

/** One session's last activity, as the in-memory tracker flushes it. */
export interface SessionTouch {
  id: string;
  at: Date;
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
  /** findSession for many sessions in one query (ids must be UUIDs): the live ones, by id. */
  async function findSessions(sessionIds: string[]): Promise<Map<string, SessionWithUser>> {
    const rows = await db
      .select({ sessionId: sessions.id, expiresAt: sessions.expiresAt, user: users })
      .from(sessions)
      .innerJoin(users, eq(users.id, sessions.userId))
      .where(and(inList(sessions.id, sessionIds), gt(sessions.expiresAt, sql`now()`)));
    return new Map(rows.map((r) => [r.sessionId, r]));
  }

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

    async findById(userId: string): Promise<UserRow | undefined> {
      const [row] = await db.select().from(users).where(eq(users.id, userId)).limit(1);
      return row;
    },

    /** Sets (or clears, with null) the display name; undefined when the user is gone. */
    async setDisplayName(userId: string, displayName: string | null): Promise<UserRow | undefined> {
      const [row] = await db.update(users).set({ displayName }).where(eq(users.id, userId)).returning();
      return row;
    },

    /**
     * New password hash and every session of the user but `keepSessionId` deleted, in one
     * transaction. Returns the deleted session ids (their sockets and cache entries must go).
     */
    async replacePassword(userId: string, passwordHash: string, keepSessionId: string): Promise<string[]> {
      return db.transaction(async (tx) => {
        await tx.update(users).set({ passwordHash }).where(eq(users.id, userId));
        const gone = await tx
          .delete(sessions)
          .where(and(eq(sessions.userId, userId), ne(sessions.id, keepSessionId)))
          .returning({ id: sessions.id });
        return gone.map((r) => r.id);
      });
    },

    async createSession(userId: string, ttlMs: number, userAgent: string | null = null): Promise<{ id: string; expiresAt: Date }> {
      const expiresAt = new Date(Date.now() + ttlMs);
      const [row] = await db.insert(sessions).values({ userId, expiresAt, userAgent }).returning({ id: sessions.id });
      return { id: row!.id, expiresAt };
    },

    /** The user's live sessions, most recently seen first (sessions_user_id_idx). */
    async listSessions(userId: string): Promise<SessionInfo[]> {
      return db
        .select({ id: sessions.id, createdAt: sessions.createdAt, lastSeenAt: sessions.lastSeenAt, userAgent: sessions.userAgent })
        .from(sessions)
        .where(and(eq(sessions.userId, userId), gt(sessions.expiresAt, sql`now()`)))
        .orderBy(desc(sessions.lastSeenAt), desc(sessions.createdAt));
    },

    /** Deletes one of the user's sessions; false when it is not theirs (or gone). */
    async deleteOwnSession(userId: string, sessionId: string): Promise<boolean> {
      const gone = await db
        .delete(sessions)
        .where(and(eq(sessions.id, sessionId), eq(sessions.userId, userId)))
        .returning({ id: sessions.id });
      return gone.length > 0;
    },

    /** Deletes every session of the user but `keepSessionId`; returns the deleted ids. */
    async deleteOtherSessions(userId: string, keepSessionId: string): Promise<string[]> {
      const gone = await db
        .delete(sessions)
        .where(and(eq(sessions.userId, userId), ne(sessions.id, keepSessionId)))
        .returning({ id: sessions.id });
      return gone.map((r) => r.id);
    },

    /**
     * Records last activity for many sessions in ONE statement (never moves a value back).
     * Returns how many rows changed. Used by the in-memory tracker's flush
     * (services/session-activity.ts); an inactivity sweep may read sessions.last_seen_at.
     */
    async touchSessions(touches: SessionTouch[]): Promise<number> {
      if (!touches.length) return 0;
      // Array literals as single parameters (drizzle would spread a JS array); UUIDs and ISO
      // timestamps hold no character that needs quoting in one.
      const ids = `{${touches.map((t) => t.id).join(',')}}`;
      const ats = `{${touches.map((t) => t.at.toISOString()).join(',')}}`;
      const rows = await db.execute(sql`
        UPDATE sessions s SET last_seen_at = v.at
        FROM unnest(${ids}::uuid[], ${ats}::timestamptz[]) AS v(id, at)
        WHERE s.id = v.id AND s.last_seen_at < v.at
        RETURNING s.id`);
      return (rows as unknown as { rows: unknown[] }).rows.length;
    },

    /** The session and its user, if the session exists and has not expired. One indexed query. */
    async findSession(sessionId: string): Promise<SessionWithUser | undefined> {
      return (await findSessions([sessionId])).get(sessionId);
    },

    findSessions,

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
