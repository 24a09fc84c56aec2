/**
 * The history scenario's "bare HTTP" row: what a page costs through Node's own `http` server with
 * nothing else: the HTTP hop any server pays and none of what RtChat adds (no Fastify, no
 * authentication, no validation, no schema serializer). Each GET runs the route's own page query
 * (bench/lib/raw-sql.mjs) on one node-postgres connection (or PGlite), like the raw row, maps the
 * rows with RtChat's own mapper (the built dist/), so the answer is the route's bytes, and sends
 * them as JSON. Env: PORT, DATABASE_URL or DATA_DIR, BARE_ROOM_ID, BARE_READER_ID.
 * GET /?before=N -> {messages, hasMore}, as the route answers.
 */
import http from 'node:http';
import { openRawDatabase } from '../lib/raw-db.mjs';
import { dist, historyStatement } from '../lib/raw-sql.mjs';

const { toMessageFromRow } = await dist('repositories/message-reads.js');

const db = await openRawDatabase(process.env, { poolSize: 1 });
const { text, paramsFor } = await historyStatement();
const roomId = process.env.BARE_ROOM_ID;
const readerId = process.env.BARE_READER_ID;
const LIMIT = 50;

const server = http.createServer(async (req, res) => {
  try {
    const before = Number(new URL(req.url ?? '/', 'http://bare').searchParams.get('before'));
    const rows = await db.query(text, paramsFor({ roomId, readerId, before, limit: LIMIT }));
    const messages = rows.slice(0, LIMIT).reverse().map(toMessageFromRow);
    const body = JSON.stringify({ messages, hasMore: rows.length > LIMIT });
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  } catch (err) {
    res.writeHead(500).end(String(err));
  }
});
server.listen(Number(process.env.PORT), '127.0.0.1', () => process.send?.({ listening: server.address().port }));
process.on('SIGTERM', () => db.close().finally(() => process.exit(0)));
