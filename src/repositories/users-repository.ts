import { and, desc, eq, gt, ne, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { sessions, users, type UserRow } from '../db/schema.js';
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

export function createUsersRepository(db: Executor) {
  return {
    async create(input: { username: string; email: string | null; passwordHash: string }): Promise<UserRow> {
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
  };
}

export type UsersRepository = ReturnType<typeof createUsersRepository>;
