/**
 * The naive durable path, for comparison: the same wire frames as RtChat (`send` in, `ack` out)
 * over plain `ws`, but each message is stored by its own statement and transaction (RtChat's own
 * repository, one item at a time) on a pool of the same size, and acked once it has committed.
 * No auth (the generator sends `authorId` in the frame): only the storage path is compared.
 */
import { WebSocketServer } from 'ws';
import { openDatabase } from '../../dist/db/client.js';
import { createMessagesRepository } from '../../dist/repositories/messages-repository.js';

const port = Number(process.env.PORT ?? 0);
const database = await openDatabase({
  databaseUrl: process.env.DATABASE_URL || null,
  dataDir: process.env.DATA_DIR || null,
  poolSize: 10,
});
const repo = createMessagesRepository(database.db);

const wss = new WebSocketServer({ host: '127.0.0.1', port });
wss.on('connection', (socket) => {
  socket.on('message', (data) => {
    let frame;
    try {
      frame = JSON.parse(data.toString());
    } catch {
      return;
    }
    if (frame.type !== 'send') return;
    repo
      .insertMany([{ roomId: frame.roomId, authorId: frame.authorId, clientMsgId: frame.clientMsgId, body: frame.body }])
      .then(
        ([row]) => socket.send(JSON.stringify({ type: 'ack', clientMsgId: frame.clientMsgId, message: { seq: Number(row?.seq ?? 0) } })),
        (err) => socket.send(JSON.stringify({ type: 'error', code: 'UNAVAILABLE', message: String(err.message), ref: frame.clientMsgId })),
      );
  });
  socket.on('error', () => undefined);
});
wss.on('listening', () => process.send?.({ listening: wss.address().port }));
process.on('SIGTERM', () => database.close().finally(() => process.exit(0)));
