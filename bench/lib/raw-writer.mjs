/**
 * The raw group-commit writer of the durable limit row: RtChat's batching policy with nothing
 * else. Rooms are partitioned over `lanes` by the same hash as RtChat's writer (laneOf); a lane has
 * one batch in flight, and everything queued meanwhile (up to `maxBatch`) is the next batch: ONE
 * execution of RtChat's own insertMany statement (bench/lib/raw-sql.mjs). A message resolves when
 * its batch has committed, with its stored row. No frames, acks, fan-out, auth or throttle.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { batchJsonMaker, writerStatement } from './raw-sql.mjs';
import { ROOT } from './setup.mjs';

export async function createRawWriter(db, opts = {}) {
  const writer = await import(pathToFileURL(path.join(ROOT, 'dist/services/message-writer.js')).href);
  const { text } = await writerStatement();
  const makeJson = await batchJsonMaker();
  const laneCount = opts.lanes ?? writer.DEFAULT_LANES;
  const maxBatch = opts.maxBatch ?? writer.DEFAULT_MAX_BATCH;
  const lanes = Array.from({ length: laneCount }, () => ({ queue: [], busy: false }));
  let batches = 0;
  let rowsStored = 0;

  async function drain(lane) {
    while (lane.queue.length) {
      const batch = lane.queue.splice(0, maxBatch);
      try {
        const rows = await db.query(text, [makeJson(batch.map((p) => p.item))]);
        batches++;
        rowsStored += rows.length;
        const byKey = new Map(rows.map((r) => [`${r.author_id}\u0000${r.client_msg_id}`, r]));
        for (const p of batch) {
          const row = byKey.get(`${p.item.authorId}\u0000${p.item.clientMsgId}`);
          if (row) p.resolve(row);
          else p.reject(new Error('not stored (not a member, or a repeated clientMsgId)'));
        }
      } catch (err) {
        for (const p of batch) p.reject(err);
      }
    }
    lane.busy = false;
  }

  return {
    lanes: laneCount,
    maxBatch,
    stats: () => ({ batches, rowsStored }),
    /** item: {roomId, authorId, clientMsgId, body} */
    send(item) {
      return new Promise((resolve, reject) => {
        const lane = lanes[writer.laneOf(item.roomId, laneCount)];
        lane.queue.push({ item, resolve, reject });
        if (!lane.busy) {
          lane.busy = true;
          // As RtChat's writer: what arrives in this same turn joins the batch.
          setImmediate(() => void drain(lane));
        }
      });
    },
  };
}
