/**
 * Scenario "uploads" (`npm run bench -- --only=uploads`): upload throughput (MB/s, images/s for
 * 5 MB photos, each decoded, re-encoded and thumbnailed by the server) and message fan-out p99
 * with and without 10 users uploading such photos at the same time, in one run. Shows whether
 * image work (sharp in the image worker process at the lowest CPU priority, IMAGE_CONCURRENCY at once) stays off the chat path. The load
 * runs in its own process on the generator core; bounded to well under two minutes.
 */
import { runLoadProcess } from './lib/load-process.mjs';

export async function uploadScenario({ rt, cfg, log }) {
  const { people, roomIds } = rt;
  const actors = people.slice(0, cfg.actors).map((p) => p.token);
  const uploaders = people.slice(cfg.actors, cfg.actors + cfg.uploaders).map((p) => p.token);
  const receivers = people.slice(cfg.actors + cfg.uploaders, cfg.actors + cfg.uploaders + cfg.receivers).map((p) => p.token);
  const result = await runLoadProcess('uploads-load.mjs', { ...cfg, port: rt.srv.port, roomId: roomIds[0], actors, uploaders, receivers }, 'uploads');
  const t = result.throughput;
  log(`uploads: ${t.photos} photos of ${t.photoMB} MB by ${cfg.uploaders} users: ${t.mbPerSec} MB/s, ${t.imagesPerSec} images/s (p50 ${t.p50Ms} ms, p99 ${t.p99Ms} ms per upload)`);
  for (const [name, r] of [['fan-out alone', result.fanout], ['fan-out during uploads', result.fanoutDuringUploads]]) {
    log(`uploads: ${name}: ${r.deliveriesPerSec} deliveries/s, p50 ${r.p50} ms, p99 ${r.p99} ms (${r.samples} samples${r.uploads !== undefined ? `, ${r.uploads} uploads meanwhile` : ''})`);
  }
  return { ...cfg, ...result };
}
