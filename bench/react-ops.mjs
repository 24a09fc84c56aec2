/**
 * `node bench/react-ops.mjs [ROOT]`: the embedded database's cost of reactions in the writer's op
 * runner (npm run build first): 50 members toggle 5 emoji on 20 messages, batches of 64 ops in one
 * transaction each, as the writer's lane runs them. Prints this process's CPU (PGlite runs in it)
 * and wall time per op. ROOT: another build to compare with (A/B in one session).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
const ROOT = process.argv[2] ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { openDatabase } = await import(`${ROOT}/dist/db/client.js`);
const { createRoomLogRepository } = await import(`${ROOT}/dist/repositories/room-log-repository.js`);
const { createOpRunner } = await import(`${ROOT}/dist/services/log-ops.js`);
const { sql } = await import(`${ROOT}/node_modules/drizzle-orm/index.js`);
const database = await openDatabase({ databaseUrl: null, dataDir: null });
const db = database.db;
const users = Array.from({ length: 50 }, (_, i) => ({ id: randomUUID(), username: `u${i}x${Date.now() % 1e6}` }));
const room = randomUUID();
for (const u of users) await database.rows(sql`INSERT INTO users (id, username, password_hash) VALUES (${u.id}::uuid, ${u.username}, 'x')`);
await database.rows(sql`INSERT INTO rooms (id, name, owner_id, invite_code, name_key) VALUES (${room}::uuid, ${'r' + room.slice(0, 8)}, ${users[0].id}::uuid, ${room}, ${'r' + room.slice(0, 8)})`);
for (const u of users) await database.rows(sql`INSERT INTO room_members (room_id, user_id) VALUES (${room}::uuid, ${u.id}::uuid)`);
const msgs = Array.from({ length: 20 }, () => randomUUID());
let seq = 0;
for (const m of msgs) await database.rows(sql`INSERT INTO messages (id, room_id, seq, author_id, client_msg_id, body) VALUES (${m}::uuid, ${room}::uuid, ${++seq}, ${users[0].id}::uuid, ${m}, 'hi')`);
await database.rows(sql`UPDATE rooms SET last_seq = ${seq} WHERE id = ${room}::uuid`);
const run = createOpRunner((fn) => db.transaction((tx) => fn(createRoomLogRepository(tx))), { editWindowSec: 0 });
const emojis = ['👍', '🎉', '❤️', '😂', '🔥'];
const state = new Set();
const batch = () => Array.from({ length: 64 }, () => {
  const u = users[Math.floor(Math.random() * users.length)], m = msgs[Math.floor(Math.random() * msgs.length)], e = emojis[Math.floor(Math.random() * emojis.length)];
  const k = u.id + m + e; const add = !state.has(k); if (add) state.add(k); else state.delete(k);
  return { kind: 'react', roomId: room, actor: { id: u.id, username: u.username }, messageId: m, emoji: e, add };
});
for (let i = 0; i < 5; i++) await run(batch());
const N = Number(process.env.BATCHES || 40);
const c0 = process.cpuUsage(); const t0 = performance.now(); let events = 0;
for (let i = 0; i < N; i++) { const out = await run(batch()); events += out.filter((o) => o.frame).length; if (out.some((o) => o.error)) console.log('error', out.find((o) => o.error).error.message); }
const c = process.cpuUsage(c0); const ms = performance.now() - t0;
console.log(`${ROOT.split('/').pop()}: ${N * 64} reaction ops (${events} events) ${((c.user + c.system) / (N * 64)).toFixed(0)} us cpu/op, ${(ms * 1000 / (N * 64)).toFixed(0)} us wall/op`);
await database.close();
