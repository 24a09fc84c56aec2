/** Guest accounts for the guest suites: create one, back-date its activity, read its row. */
import type { FastifyInstance } from 'fastify';
import { sql } from 'drizzle-orm';
import type { User } from '../src/protocol.js';
import { uniqueName, type Account, type TestServer } from './helpers.js';

export async function createGuest(app: FastifyInstance, username = uniqueName('g'), headers: Record<string, string> = {}): Promise<Account> {
  const res = await app.inject({ method: 'POST', url: '/api/auth/guest', headers, payload: { username } });
  if (res.statusCode !== 201) throw new Error(`guest failed: ${res.statusCode} ${res.body}`);
  const body = res.json<{ user: User; token: string }>();
  return { ...body, headers: { authorization: `Bearer ${body.token}` } };
}

/** Moves the user's last activity `days` into the past (as if nothing happened since). */
export async function backdateActivity(server: TestServer, userId: string, days: number): Promise<void> {
  await server.db.database.rows(sql`UPDATE users SET last_active_at = now() - ${`${days} days`}::interval WHERE id = ${userId}::uuid`);
}

export interface UserDbRow {
  username: string;
  is_guest: boolean;
  deleted_at: Date | null;
  password_hash: string | null;
  email: string | null;
  last_active_at: Date;
}

export async function userRow(server: TestServer, userId: string): Promise<UserDbRow> {
  const [row] = await server.db.database.rows<UserDbRow>(
    sql`SELECT username, is_guest, deleted_at, password_hash, email, last_active_at FROM users WHERE id = ${userId}::uuid`,
  );
  return { ...row!, last_active_at: new Date(row!.last_active_at), deleted_at: row!.deleted_at === null ? null : new Date(row!.deleted_at) };
}
