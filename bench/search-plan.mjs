/**
 * `node bench/search-plan.mjs`: query plans and latency of message search on a large room
 * (100,000 messages by default; --messages=N), on Postgres (BENCH_DATABASE_URL, a database whose
 * name contains "bench": dropped and recreated) after `npm run build`. Words of three
 * frequencies: `common` in every 2nd message, `medium` in every 100th, `rare` in one; prints
 * EXPLAIN (ANALYZE) of the page query the server runs (repositories/search-repository.ts
 * searchIds) for each, across all rooms and in the one room, then the median of 20 timed runs.
 * --reuse keeps the database of the previous run.
 */
import pg from 'pg';
import { sql } from 'drizzle-orm';
import { openDatabase } from '../dist/db/client.js';
import { searchIds } from '../dist/repositories/search-repository.js';
import { parseQuery } from '../dist/lib/search-query.js';

const dbUrl = process.env.BENCH_DATABASE_URL;
if (!dbUrl || !new URL(dbUrl).pathname.includes('bench')) {
  console.error('set BENCH_DATABASE_URL to a Postgres database whose name contains "bench" (it is dropped and recreated)');
  process.exit(2);
}
const N = Number(process.argv.find((a) => a.startsWith('--messages='))?.slice(11) ?? 100_000);
const name = new URL(dbUrl).pathname.slice(1);
const reuse = process.argv.includes('--reuse');
if (!reuse) {
const admin = new pg.Client({ connectionString: Object.assign(new URL(dbUrl), { pathname: '/postgres' }).toString() });
await admin.connect();
await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
await admin.query(`CREATE DATABASE "${name}"`);
await admin.end();
}

const database = await openDatabase({ databaseUrl: dbUrl, dataDir: null, timeoutMs: 600_000 });
const rows = (q) => database.rows(q);
let user, big;
if (reuse) {
  [user] = await rows(sql`SELECT id FROM users WHERE username = 'planner'`);
  big = (await rows(sql`SELECT id FROM rooms WHERE name = 'plan 0'`))[0].id;
} else {
[user] = await rows(sql`INSERT INTO users (username, password_hash) VALUES ('planner', 'x') RETURNING id`);
const room = async (i) => (await rows(sql`INSERT INTO rooms (name, invite_code, owner_id, member_count, last_seq) VALUES (${`plan ${i}`}, ${`plan-${i}`}, ${user.id}::uuid, 1, ${N}) RETURNING id`))[0].id;
big = await room(0);
const other = await room(1);
for (const r of [big, other]) await rows(sql`INSERT INTO room_members (room_id, user_id, role) VALUES (${r}::uuid, ${user.id}::uuid, 'owner')`);
const t0 = performance.now();
// UUIDv7-like ids in seq order (time prefix from the seq), as the server makes them.
await rows(sql`INSERT INTO messages (id, room_id, seq, author_id, client_msg_id, body, created_at)
  SELECT (lpad(to_hex(1700000000000 + g), 12, '0') || '7' || substr(md5(g::text), 1, 19))::uuid, ${big}::uuid, g, ${user.id}::uuid, 'c' || g,
    concat_ws(' ', 'message', g, CASE WHEN g % 2 = 0 THEN 'common' END, CASE WHEN g % 100 = 0 THEN 'medium' END,
      CASE WHEN g = ${Math.floor(N / 3)} THEN 'rare' END, 'the quick brown fox', md5(g::text)),
    now() - make_interval(secs => ${N} - g)
  FROM generate_series(1, ${N}) g`);
await rows(sql`ANALYZE messages`);
console.log(`${N} messages stored and analyzed in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

for (const word of ['common', 'medium', 'rare', 'common -medium', '"quick brown"']) {
  for (const scope of ['all rooms', 'one room']) {
    const input = { readerId: user.id, query: parseQuery(word), limit: 20, ...(scope === 'one room' ? { roomId: big } : {}) };
    const ids = searchIds(input);
    const plan = (await rows(sql`EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) ${ids}`)).map((r) => r['QUERY PLAN']);
    const times = [];
    for (let i = 0; i < 20; i++) {
      const t = performance.now();
      await rows(ids);
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    console.log(`\n== q=${word} (${scope}): median ${times[10].toFixed(2)} ms, max ${times[19].toFixed(2)} ms\n${plan.join('\n')}`);
  }
}
await database.close();
