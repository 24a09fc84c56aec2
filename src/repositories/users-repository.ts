import { and, eq, gt, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { sessions, users, type UserRow } from '../db/schema.js';
import { AppError, isUniqueViolation } from '../lib/errors.js';

export interface SessionWithUser {
  sessionId: string;
  expiresAt: Date;
  user: UserRow;
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
  };
}

export type UsersRepository = ReturnType<typeof createUsersRepository>;
