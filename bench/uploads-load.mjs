/**
 * Load process of the "uploads" scenario (bench/uploads.mjs). Makes one 5 MB photo (noise, so
 * JPEG cannot shrink it; the server decodes and re-encodes every upload anyway), then:
 * 1. fan-out alone: actors send at `rate`/s to a room of subscribed receivers for `ms`;
 * 2. throughput: `uploaders` users upload it back to back for `uploadMs`;
 * 3. the same fan-out while the uploaders upload again.
 * Samplers time each message from send to arrival. Prints one JSON line.
 */
import { photo } from './lib/photo.mjs';
import { connectSubscribed } from './lib/load-process.mjs';

let stdin = '';
for await (const chunk of process.stdin) stdin += chunk;
const cfg = JSON.parse(stdin);
const base = `http://127.0.0.1:${cfg.port}`;
const now = () => performance.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const quantile = (values, p) => {
  const v = [...values].sort((a, b) => a - b);
  return v.length ? Math.round(v[Math.min(v.length - 1, Math.floor((p / 100) * v.length))] * 10) / 10 : null;
};

const connect = (token, onFrame) => connectSubscribed(cfg.port, cfg.roomId, token, onFrame);

async function uploadOnce(token, bytes) {
  const form = new FormData();
  form.append('file', new Blob([bytes], { type: 'image/jpeg' }), 'photo.jpg');
  const t0 = now();
  const res = await fetch(`${base}/api/uploads`, { method: 'POST', body: form, headers: { authorization: `Bearer ${token}` } });
  await res.arrayBuffer();
  if (res.status !== 201) throw new Error(`upload answered ${res.status}`);
  return now() - t0;
}

/** Every uploader uploads back to back until `stop()`; returns per-upload times. */
function uploadLoop(bytes) {
  let running = true;
  const times = [];
  const loops = cfg.uploaders.map(async (token) => {
    while (running) times.push(await uploadOnce(token, bytes));
  });
  return { times, stop: async () => ((running = false), await Promise.all(loops)) };
}

const state = { counting: false, frames: 0, lat: [], sentAt: new Map() };

async function fanout(ms, actors) {
  Object.assign(state, { counting: false, frames: 0, lat: [], sentAt: new Map() });
  const interval = 1000 / cfg.rate;
  const start = now();
  let sent = 0;
  let windowStart = 0;
  while (now() - start < cfg.warmMs + ms) {
    if (!state.counting && now() - start >= cfg.warmMs) {
      state.counting = true;
      windowStart = now();
    }
    for (const due = Math.floor((now() - start) / interval); sent < due; sent++) {
      const clientMsgId = `u${sent}-${Date.now()}`;
      state.sentAt.set(clientMsgId, now());
      actors[sent % actors.length].send(JSON.stringify({ type: 'send', roomId: cfg.roomId, clientMsgId, body: `bench message ${sent}` }));
    }
    await sleep(Math.max(1, interval / 2));
  }
  const windowS = (now() - windowStart) / 1000;
  await sleep(300);
  state.counting = false;
  return { deliveriesPerSec: Math.round(state.frames / windowS), p50: quantile(state.lat, 50), p99: quantile(state.lat, 99), samples: state.lat.length };
}

async function main() {
  const bytes = await photo(cfg.photoMB);
  const receivers = await Promise.all(
    cfg.receivers.map((token, i) =>
      connect(token, (text) => {
        if (!state.counting || !text.startsWith('{"type":"message"')) return;
        state.frames++;
        if (i >= cfg.samplers) return;
        const t = state.sentAt.get(JSON.parse(text).message.clientMsgId);
        if (t !== undefined) state.lat.push(now() - t);
      }),
    ),
  );
  const actors = await Promise.all(cfg.actors.map((token) => connect(token, () => {})));

  // Fan-out alone first, on a quiet server (after the uploads, their garbage is still being collected).
  const alone = await fanout(cfg.ms, actors);
  const started = now();
  const loop = uploadLoop(bytes);
  await sleep(cfg.uploadMs);
  await loop.stop();
  const seconds = (now() - started) / 1000;
  const photos = loop.times.length;
  const throughput = {
    photos,
    photoMB: Math.round((bytes.length / 1024 / 1024) * 100) / 100,
    mbPerSec: Math.round(((photos * bytes.length) / 1024 / 1024 / seconds) * 10) / 10,
    imagesPerSec: Math.round((photos / seconds) * 100) / 100,
    p50Ms: quantile(loop.times, 50),
    p99Ms: quantile(loop.times, 99),
  };

  const during = uploadLoop(bytes);
  await sleep(500); // the uploads are under way before the window opens
  const busy = await fanout(cfg.ms, actors);
  await during.stop();
  busy.uploads = during.times.length;

  process.stdout.write(`${JSON.stringify({ connections: receivers.length + actors.length, throughput, fanout: alone, fanoutDuringUploads: busy })}\n`);
  for (const ws of [...receivers, ...actors]) ws.terminate();
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
