/**
 * Load process of the "reaction storm" scenario (bench/reactions.mjs): holds the room's receivers
 * and actors, then runs two phases at the same offered rate, first plain fan-out (the actors send
 * messages), then the storm (the actors toggle reactions on recent messages). Receivers count
 * frames; a few samplers time each event from the moment its actor sent it. Prints one JSON line.
 * Input (JSON on stdin): { port, roomId, receivers: token[], actors: {token, userId}[], rate, ms, warmMs, samplers }.
 */
import WebSocket from 'ws';

let stdin = '';
for await (const chunk of process.stdin) stdin += chunk;
const cfg = JSON.parse(stdin);
const EMOJI = ['👍', '🎉', '❤️', '😂'];
const now = () => performance.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const url = `ws://127.0.0.1:${cfg.port}/ws`;

/** A connected, subscribed socket; `onFrame` sees every text frame. */
function connect(token, onFrame) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers: { authorization: `Bearer ${token}` }, perMessageDeflate: false });
    ws.on('error', reject);
    ws.on('message', (data) => {
      const text = data.toString();
      if (text.startsWith('{"type":"ready"')) ws.send(JSON.stringify({ type: 'subscribe', roomId: cfg.roomId }));
      else if (text.startsWith('{"type":"subscribed"')) resolve(ws);
      else onFrame(text);
    });
  });
}

const phase = { kind: 'idle', counting: false, frames: 0, lat: [], sentAt: new Map(), committed: 0 };
const recent = [];

async function main() {
  const receivers = [];
  for (let i = 0; i < cfg.receivers.length; i += 100) {
    receivers.push(
      ...(await Promise.all(
        cfg.receivers.slice(i, i + 100).map((token, k) =>
          connect(token, (text) => {
            if (!phase.counting) return;
            const type = text.slice(9, 17);
            if (phase.kind === 'messages' ? !type.startsWith('message') : !type.startsWith('reaction')) return;
            phase.frames++;
            if (i + k >= cfg.samplers) return;
            const f = JSON.parse(text);
            const key = phase.kind === 'messages' ? f.message.clientMsgId : `${f.messageId}|${f.emoji}|${f.userId}|${f.added}`;
            const t = phase.sentAt.get(key);
            if (t !== undefined) phase.lat.push(now() - t);
          }),
        ),
      )),
    );
  }
  const actors = await Promise.all(
    cfg.actors.map((a) =>
      connect(a.token, (text) => {
        if (text.startsWith('{"type":"ack"')) {
          const f = JSON.parse(text);
          recent.push(f.message.id);
          if (recent.length > 20) recent.shift();
          if (phase.counting) phase.committed++;
        } else if (text.startsWith('{"type":"reaction"') && phase.counting && text.includes(a.userId)) phase.committed++;
      }).then((ws) => ({ ...a, ws, mine: new Set() })),
    ),
  );
  const out = {};
  for (const kind of ['messages', 'reactions']) out[kind] = await run(kind, actors);
  process.stdout.write(`${JSON.stringify({ connections: receivers.length + actors.length, ...out })}\n`);
  for (const ws of [...receivers, ...actors.map((a) => a.ws)]) ws.terminate();
  process.exit(0);
}

/** Offers `rate` events/s for warmMs + ms, counting only the last ms. */
async function run(kind, actors) {
  Object.assign(phase, { kind, counting: false, frames: 0, lat: [], sentAt: new Map(), committed: 0 });
  const interval = 1000 / cfg.rate;
  const start = now();
  let sent = 0;
  let n = 0;
  let windowStart = 0;
  while (now() - start < cfg.warmMs + cfg.ms) {
    if (!phase.counting && now() - start >= cfg.warmMs) {
      phase.counting = true;
      windowStart = now();
    }
    const due = Math.floor((now() - start) / interval);
    for (; sent < due; sent++) {
      const a = actors[n++ % actors.length];
      if (kind === 'messages') {
        const clientMsgId = `b${n}-${Date.now()}`;
        phase.sentAt.set(clientMsgId, now());
        a.ws.send(JSON.stringify({ type: 'send', roomId: cfg.roomId, clientMsgId, body: `bench message ${n}` }));
      } else {
        const messageId = recent[n % recent.length];
        const emoji = EMOJI[(n >> 3) % EMOJI.length];
        const key = `${messageId}|${emoji}`;
        const add = !a.mine.has(key);
        if (add) a.mine.add(key);
        else a.mine.delete(key);
        phase.sentAt.set(`${messageId}|${emoji}|${a.userId}|${add}`, now());
        a.ws.send(JSON.stringify({ type: 'react', roomId: cfg.roomId, messageId, emoji, add }));
      }
    }
    await sleep(Math.max(1, interval / 2));
  }
  const windowS = (now() - windowStart) / 1000;
  await sleep(300);
  phase.counting = false;
  const lat = phase.lat.sort((x, y) => x - y);
  const q = (p) => (lat.length ? Math.round(lat[Math.min(lat.length - 1, Math.floor((p / 100) * lat.length))] * 10) / 10 : null);
  return {
    offeredPerSec: cfg.rate,
    committedPerSec: Math.round(phase.committed / windowS),
    deliveriesPerSec: Math.round(phase.frames / windowS),
    p50: q(50),
    p99: q(99),
    samples: lat.length,
  };
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
