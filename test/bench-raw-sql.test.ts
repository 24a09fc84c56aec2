/**
 * The limit rows of the benchmark run RtChat's own SQL (bench/lib/raw-sql.mjs records it from the
 * built repositories): the statements recorded are exactly those the repositories (src/) run on a
 * real database, and the raw group-commit writer and the raw history query, given them through the
 * driver alone, store and read messages as RtChat does (gap-free seqs per room, last_seq, the
 * author's read cursor; the same page). Needs dist/ (`npm test` builds it first).
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { PgDialect } from 'drizzle-orm/pg-core';
import { sql, type SQL } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Executor } from '../src/db/client.js';
import { createMessagesRepository } from '../src/repositories/messages-repository.js';
import { createTestDatabase, type TestDatabase } from './helpers.js';

const ROOT = path.resolve(import.meta.dirname, '..');
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;
const bench = (p: string): Promise<Any> => import(pathToFileURL(path.join(ROOT, 'bench/lib', p)).href);

let t: TestDatabase;
let users: string[];
let rooms: string[];
/** node-postgres Pool or PGlite: both answer query(text, params) with {rows}. */
let driver: { query(text: string, params: unknown[]): Promise<{ rows: Any[] }> };

beforeAll(async () => {
  t = await createTestDatabase();
  driver = (t.database.db as unknown as { $client: typeof driver }).$client;
  const q = <T>(s: SQL) => t.database.rows<T>(s);
  users = (await q<{ id: string }>(sql`INSERT INTO users (username, password_hash) SELECT 'raw_' || g, 'x' FROM generate_series(1, 3) g RETURNING id`)).map((r) => r.id);
  rooms = (await q<{ id: string }>(sql`INSERT INTO rooms (name, invite_code, owner_id, member_count)
    SELECT 'raw room ' || g, md5(g::text), ${users[0]}::uuid, 3 FROM generate_series(1, 2) g RETURNING id`)).map((r) => r.id);
  for (const room of rooms) for (const user of users) await q(sql`INSERT INTO room_members (room_id, user_id, role) VALUES (${room}::uuid, ${user}::uuid, 'member')`);
});
afterAll(() => t?.drop());

/** The repository on an executor that records each statement as the driver receives it. */
function recordingRepository() {
  const dialect = new PgDialect();
  const seen: { text: string; params: unknown[] }[] = [];
  const db = t.database.db as unknown as { execute(q: SQL): Promise<unknown> };
  const executor = {
    execute: (q: SQL) => {
      const { sql: text, params } = dialect.sqlToQuery(q);
      seen.push({ text, params });
      return db.execute(q);
    },
  } as unknown as Executor;
  return { repo: createMessagesRepository(executor), seen };
}

describe('bench raw SQL', () => {
  it('the writer statement and its JSON parameter are what insertMany runs for plain messages', async () => {
    const raw = await bench('raw-sql.mjs');
    const { repo, seen } = recordingRepository();
    const stored = await repo.insertMany([{ roomId: rooms[0]!, authorId: users[0]!, clientMsgId: 'rec-1', body: 'recorded' }]);
    expect(stored).toHaveLength(1);
    expect(seen).toHaveLength(1);
    const { text } = await raw.writerStatement();
    expect(text).toBe(seen[0]!.text);
    const make = await raw.batchJsonMaker();
    const ours = JSON.parse(make([{ roomId: rooms[0], authorId: users[0], clientMsgId: 'c', body: 'b' }]))[0];
    const theirs = JSON.parse(seen[0]!.params[0] as string)[0];
    expect(Object.keys(ours).sort()).toEqual(Object.keys(theirs).sort());
    expect(ours.i).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('the raw group-commit writer stores gap-free seqs per room and moves last_seq and the read cursor', async () => {
    const { createRawWriter } = await bench('raw-writer.mjs');
    const writer = await createRawWriter({ query: async (text: string, params: unknown[]) => (await driver.query(text, params)).rows });
    const sends = [];
    for (let i = 0; i < 30; i++) {
      sends.push(writer.send({ roomId: rooms[i % 2], authorId: users[i % 3], clientMsgId: `raw-${i}`, body: `body ${i}` }));
    }
    const rows = await Promise.all(sends);
    // Sent in one turn: one batch per lane, not one statement per message.
    expect(writer.stats().batches).toBeLessThanOrEqual(writer.lanes);
    const seqsOf = (room: string) => rows.filter((r: Any) => r.room_id === room).map((r: Any) => Number(r.seq));
    // Room 0 already has the recorded message (seq 1).
    expect(seqsOf(rooms[0]!)).toEqual(Array.from({ length: 15 }, (_, i) => i + 2));
    expect(seqsOf(rooms[1]!)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
    const last = await t.database.rows<{ id: string; last_seq: string | number }>(sql`SELECT id, last_seq FROM rooms ORDER BY id`);
    expect(Object.fromEntries(last.map((r) => [r.id, Number(r.last_seq)]))).toEqual({ [rooms[0]!]: 16, [rooms[1]!]: 15 });
    const cursor = await t.database.rows<{ s: string | number }>(
      sql`SELECT last_read_seq AS s FROM room_members WHERE room_id = ${rooms[1]!}::uuid AND user_id = ${users[1]!}::uuid`,
    );
    // User 1 wrote messages 1, 7, 13, 19, 25 (room 1 gets the odd i): its last is seq 13 of room 1.
    expect(Number(cursor[0]!.s)).toBe(13);
    // A repeated clientMsgId is not stored again.
    await expect(writer.send({ roomId: rooms[1], authorId: users[1], clientMsgId: 'raw-1', body: 'again' })).rejects.toThrow(/not stored/);
  });

  it('the raw history query is the route page query and reads the same page', async () => {
    const raw = await bench('raw-sql.mjs');
    const { repo, seen } = recordingRepository();
    const page = await repo.page({ roomId: rooms[0]!, before: 12, limit: 5, readerId: users[2]! });
    const h = await raw.historyStatement();
    expect(h.text).toBe(seen[0]!.text);
    const params = h.paramsFor({ roomId: rooms[0], readerId: users[2], before: 12, limit: 5 });
    expect(params).toEqual(seen[0]!.params);
    const rows = (await driver.query(h.text, params)).rows;
    expect(rows.map((r: Any) => Number(r.seq)).reverse().slice(-5)).toEqual(page.messages.map((m) => m.seq));
    expect(page.messages.map((m) => m.seq)).toEqual([7, 8, 9, 10, 11]);
    // Not a member: no rows (the membership check is part of the statement).
    const outsider = (await t.database.rows<{ id: string }>(sql`INSERT INTO users (username, password_hash) VALUES ('raw_out', 'x') RETURNING id`))[0]!.id;
    expect((await driver.query(h.text, h.paramsFor({ roomId: rooms[0], readerId: outsider, before: 12, limit: 5 }))).rows).toEqual([]);
  });
});
