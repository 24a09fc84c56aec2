/**
 * The history limit row (`bench/scenarios/history.mjs` starts it, pinned to the server core): the
 * history route's own page query (bench/lib/raw-sql.mjs) through one node-postgres connection (or
 * PGlite), one page after another at the given keyset points, like the route's one keep-alive client.
 * Input (stdin, JSON): {env, roomId, readerId, limit, warm:[before...], points:[before...]}.
 * Output (last stdout line, JSON): {p50, p99, requests, rows}.
 */
import { openRawDatabase } from '../lib/raw-db.mjs';
import { historyStatement } from '../lib/raw-sql.mjs';
import { percentile } from '../lib/stats.mjs';

const input = JSON.parse(await new Promise((resolve) => {
  let text = '';
  process.stdin.on('data', (c) => (text += c)).on('end', () => resolve(text));
}));
const db = await openRawDatabase(input.env, { poolSize: 1 });
const { text, paramsFor } = await historyStatement();
const page = (before) => db.query(text, paramsFor({ roomId: input.roomId, readerId: input.readerId, before, limit: input.limit }));

for (const before of input.warm) await page(before);
const lat = [];
let rows = 0;
for (const before of input.points) {
  const t = performance.now();
  rows += (await page(before)).length;
  lat.push(performance.now() - t);
}
await db.close();
const r2 = (x) => Math.round(x * 100) / 100;
console.log(JSON.stringify({ p50: r2(percentile(lat, 50)), p99: r2(percentile(lat, 99)), requests: lat.length, rows }));
process.exit(0);
