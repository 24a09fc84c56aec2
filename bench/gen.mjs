/**
 * Load generator process, driven by bench/run.mjs over IPC. Holds many connections, counts
 * received frames cheaply (most sockets never decode a payload) and samples latency from a subset.
 * Commands: init, run, drop (reconnect storm), settle, stop.
 */
import { io as ioClient } from 'socket.io-client';
import { RawWs, now, numberAfter, stampOf } from './lib/raw-ws.mjs';

const PAD = 'x'.repeat(80);
let ctx = null;

let currentId = 0;
/** Replies carry the id of the command they answer (several commands may be running at once). */
const reply = (msg, id = currentId) => process.send({ id, ...msg });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Runs fn over items with at most `limit` in flight. */
async function pool(items, limit, fn) {
  let next = 0;
  const results = [];
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

function pathOf(server) {
  return server === 'sio' ? '/socket.io/?EIO=4&transport=websocket' : server === 'rtchat' ? '/ws' : '/';
}

function textOf(buf) {
  return buf.toString('utf8');
}

/** One receiving or sending client with the small state the scenarios need. */
function makeClient(spec, init) {
  const c = {
    spec,
    ws: null,
    // storm / setup state
    last: 0,
    target: -1,
    caughtUpAt: 0,
    subscribed: false,
    ready: false,
    dups: 0,
    lost: 0,
    unrecovered: 0,
    waiters: [],
  };
  const onText = (buf) => {
    const s = init.server;
    if (s === 'rtchat' || s === 'naive') {
      // {"type":"... is always first: the 9th byte onwards names the frame.
      if (buf[9] === 0x6d /* m: message */ && buf.indexOf('"type":"message"') === 0 + 1) {
        if (spec.role === 'sample') {
          const t = stampOf(buf);
          if (t >= ctx.winStart && t < ctx.winEnd) ctx.lat.push(now() - t);
        }
        if (spec.role === 'sub') {
          const seq = numberAfter(buf, '"seq":');
          if (seq <= c.last) c.dups++;
          else {
            if (seq > c.last + 1 && c.subscribed) c.lost += seq - c.last - 1;
            c.last = seq;
          }
          if (c.subscribed && !c.caughtUpAt && c.target >= 0 && c.last >= c.target) c.caughtUpAt = now();
        }
        return;
      }
      const head = buf.toString('latin1', 0, Math.min(buf.length, 24));
      if (head.startsWith('{"type":"ack"')) {
        ctx.onAck?.(buf);
      } else if (head.startsWith('{"type":"subscribed"')) {
        const lastSeq = numberAfter(buf, '"lastSeq":');
        if (buf.indexOf('"recovered":false') >= 0) c.unrecovered++;
        if (!c.subscribed && c.target < 0) c.last = lastSeq; // first subscribe: start from here
        c.target = lastSeq;
        c.subscribed = true;
        if (c.last >= c.target && !c.caughtUpAt) c.caughtUpAt = now();
        for (const w of c.waiters.splice(0)) w();
      } else if (head.startsWith('{"type":"ready"')) {
        c.ready = true;
      } else if (head.startsWith('{"type":"error"')) {
        ctx.errors++;
        if (ctx.errors <= 3) console.error(`[gen] error frame: ${textOf(buf).slice(0, 200)}`);
      }
    } else if (s === 'sio') {
      if (!c.subscribed && buf[0] === 0x34 && buf[1] === 0x30 /* 40: namespace connected */) {
        c.subscribed = true;
        for (const w of c.waiters.splice(0)) w();
      } else if (spec.role === 'sample') {
        const t = stampOf(buf);
        if (t >= ctx.winStart && t < ctx.winEnd) ctx.lat.push(now() - t);
      }
    } else if (spec.role === 'sample') {
      const t = stampOf(buf);
      if (t >= ctx.winStart && t < ctx.winEnd) ctx.lat.push(now() - t);
    }
  };
  c.open = async (sinceSeq) => {
    const headers = spec.token ? { Authorization: `Bearer ${spec.token}` } : {};
    // Counting-only sockets switch to cheap mode once set up.
    c.ws = new RawWs({ port: init.port, path: pathOf(init.server), headers, localAddress: init.localAddress, parse: true, onText });
    c.subscribed = false;
    const t0 = now();
    await c.ws.connect();
    const t1 = now();
    const wantsSub = init.server === 'sio' || (init.server === 'rtchat' && spec.role !== 'send' && spec.roomId);
    if (init.server === 'sio') c.ws.send('40');
    else if (wantsSub) {
      c.ws.send(JSON.stringify({ type: 'subscribe', roomId: spec.roomId, ...(sinceSeq !== undefined ? { sinceSeq } : {}) }));
    }
    if (wantsSub && !c.subscribed) {
      await new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('no subscribed reply')), 60_000);
        c.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    if (spec.role === 'recv') c.ws.parse = false;
    (ctx.phases ??= []).push([t1 - t0, now() - t1]);
  };
  return c;
}

async function init(msg) {
  ctx = {
    init: msg,
    clients: [],
    senders: [],
    sioSenders: [],
    lat: [],
    winStart: Infinity,
    winEnd: -Infinity,
    errors: 0,
    acks: 0,
    sent: 0,
    onAck: null,
  };
  const t0 = now();
  const specs = msg.conns;
  let failed = 0;
  let firstError = null;
  await pool(specs, msg.concurrency ?? 64, async (spec) => {
    if (msg.server === 'sio' && spec.role === 'send') {
      // Senders speak real Socket.IO through its client library.
      const sock = ioClient(`http://127.0.0.1:${msg.port}`, { transports: ['websocket'], reconnection: false, localAddress: msg.localAddress });
      await new Promise((resolve, reject) => {
        sock.once('connect', resolve);
        sock.once('connect_error', reject);
      }).catch((err) => {
        failed++;
        firstError ??= String(err.message);
      });
      ctx.sioSenders.push(sock);
      return;
    }
    const c = makeClient(spec, msg);
    try {
      await c.open();
      (spec.role === 'send' ? ctx.senders : ctx.clients).push(c);
    } catch (err) {
      failed++;
      firstError ??= String(err.message);
    }
  });
  reply({ type: 'ready', connected: specs.length - failed, failed, firstError, ms: now() - t0 }, msg.id);
}

function payloadFor(sender, n) {
  const body = `@@${now().toFixed(3)}@@ ${PAD}`;
  const id = `${ctx.init.tag}-${n}`;
  switch (ctx.init.server) {
    case 'rtchat':
      return JSON.stringify({ type: 'send', roomId: sender.spec.roomId, clientMsgId: id, body });
    case 'naive':
      return JSON.stringify({ type: 'send', roomId: sender.spec.roomId, authorId: sender.spec.userId, clientMsgId: id, body });
    default:
      return JSON.stringify({ type: 'message', clientMsgId: id, body });
  }
}

/**
 * Open-loop load at `rate` messages/s spread over this process's senders for `ms`; frames and
 * latencies are counted only inside the measurement window (after the warm-up part).
 */
async function run(msg) {
  const { rate, ms, warmMs } = msg;
  const sendTimes = new Map();
  const ackLat = [];
  let acksInWindow = 0;
  ctx.lat = [];
  ctx.errors = 0;
  const start = now();
  ctx.winStart = start + warmMs;
  ctx.winEnd = start + ms;
  ctx.onAck = (buf) => {
    const at = buf.indexOf('"clientMsgId":"');
    if (at < 0) return;
    const end = buf.indexOf('"', at + 15);
    const id = buf.toString('latin1', at + 15, end);
    const sentAt = sendTimes.get(id);
    if (sentAt === undefined) return;
    sendTimes.delete(id);
    const t = now();
    if (sentAt >= ctx.winStart && sentAt < ctx.winEnd) {
      ackLat.push(t - sentAt);
    }
    if (t >= ctx.winStart && t < ctx.winEnd) acksInWindow++;
    if (msg.trackSeq) {
      const seq = numberAfter(buf, '"seq":', end);
      const room = ctx.seqByRoom;
      const roomId = ctx.roomOfMsg.get(id);
      if (roomId && seq > (room.get(roomId) ?? 0)) room.set(roomId, seq);
      ctx.roomOfMsg.delete(id);
    }
  };
  ctx.seqByRoom ??= new Map();
  ctx.roomOfMsg ??= new Map();
  const senders = ctx.init.server === 'sio' ? ctx.sioSenders : ctx.senders;
  let sent = 0;
  let owed = 0;
  let rr = 0;
  let frames0 = 0;
  let cpu0 = null;
  const countFrames = () => ctx.clients.reduce((a, c) => a + (c.ws?.frames ?? 0), 0);
  const tick = 5;
  let last = start;
  let inWindow = false;
  while (true) {
    const t = now();
    if (t >= ctx.winEnd) break;
    if (!inWindow && t >= ctx.winStart) {
      inWindow = true;
      frames0 = countFrames();
      cpu0 = process.cpuUsage();
    }
    if (senders.length && rate > 0) {
      owed += ((t - last) / 1000) * rate;
      last = t;
      while (owed >= 1) {
        owed--;
        const s = senders[rr++ % senders.length];
        const n = ctx.sent++;
        if (ctx.init.server === 'sio') {
          s.emit('m', { body: `@@${now().toFixed(3)}@@ ${PAD}`, clientMsgId: `${ctx.init.tag}-${n}` });
        } else {
          const id = `${ctx.init.tag}-${n}`;
          sendTimes.set(id, now());
          if (msg.trackSeq) ctx.roomOfMsg.set(id, s.spec.roomId);
          s.ws.send(payloadFor(s, n));
        }
        sent++;
      }
    }
    await sleep(tick);
  }
  const frames = countFrames() - frames0;
  const cpu = process.cpuUsage(cpu0 ?? undefined);
  const windowMs = ctx.winEnd - ctx.winStart;
  // Late acks of messages sent in the window still count towards their latency.
  if (msg.waitAcksMs) {
    const deadline = now() + msg.waitAcksMs;
    while (now() < deadline && [...sendTimes.values()].some((s) => s >= ctx.winStart && s < ctx.winEnd)) await sleep(20);
  }
  const unacked = [...sendTimes.values()].filter((s) => s >= ctx.winStart && s < ctx.winEnd).length;
  const lat = ctx.lat;
  ctx.lat = [];
  ctx.onAck = msg.trackSeq ? ctx.onAck : null;
  reply({
    id: msg.id,
    type: 'result',
    sent,
    frames,
    windowMs,
    lat: subsample(lat, 20_000),
    ackLat: subsample(ackLat, 20_000),
    acksInWindow,
    unacked,
    errors: ctx.errors,
    cpuMs: (cpu.user + cpu.system) / 1000,
  });
}

/** Keeps at most n values, evenly spread (percentiles stay right). */
function subsample(arr, n) {
  if (arr.length <= n) return arr;
  const out = [];
  const step = arr.length / n;
  for (let i = 0; i < n; i++) out.push(arr[Math.floor(i * step)]);
  return out;
}

/** Reconnect storm: every subscriber drops at once and resumes from its last seq. */
async function drop(msg) {
  const subs = ctx.clients;
  const cpu0 = process.cpuUsage();
  const droppedAt = now();
  ctx.phases = [];
  for (const c of subs) {
    c.ws.destroy();
    c.caughtUpAt = 0;
    c.subscribed = false;
  }
  let failed = 0;
  await pool(subs, 256, async (c) => {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        await c.open(c.last);
        return;
      } catch {
        await sleep(50 * (attempt + 1));
      }
    }
    failed++;
  });
  const cpu = process.cpuUsage(cpu0);
  const ph = ctx.phases ?? [];
  const pct = (arr, p) => arr.sort((a, b) => a - b)[Math.floor((arr.length - 1) * p)];
  console.error(`[gen] reconnect phases: upgrade p50 ${pct(ph.map((x) => x[0]), 0.5)?.toFixed(1)} max ${pct(ph.map((x) => x[0]), 1)?.toFixed(1)}; subscribe p50 ${pct(ph.map((x) => x[1]), 0.5)?.toFixed(1)} max ${pct(ph.map((x) => x[1]), 1)?.toFixed(1)}`);
  reply({ type: 'dropped', droppedAt, reconnectedAt: now(), failed, cpuMs: (cpu.user + cpu.system) / 1000 }, msg.id);
}

/** Waits until every subscriber has caught up; reports the times. */
async function caughtUp(msg) {
  const deadline = now() + msg.timeoutMs;
  while (now() < deadline && ctx.clients.some((c) => !c.caughtUpAt)) await sleep(10);
  const times = ctx.clients.map((c) => c.caughtUpAt || Infinity);
  reply({ type: 'caughtUp', latest: Math.max(...times), pending: times.filter((t) => t === Infinity).length }, msg.id);
}

/** Final check of the storm: every subscriber must reach its room's last acked seq. */
async function settle(msg) {
  const finals = new Map(Object.entries(msg.finals));
  const deadline = now() + msg.timeoutMs;
  const behind = () => ctx.clients.filter((c) => c.last < (finals.get(c.spec.roomId) ?? 0));
  while (now() < deadline && behind().length) await sleep(20);
  let lost = 0;
  let dups = 0;
  let unrecovered = 0;
  for (const c of ctx.clients) {
    lost += c.lost + Math.max(0, (finals.get(c.spec.roomId) ?? 0) - c.last);
    dups += c.dups;
    unrecovered += c.unrecovered;
  }
  reply({ type: 'settled', lost, dups, unrecovered, behind: behind().length }, msg.id);
}

process.on('message', (msg) => {
  currentId = msg.id;
  const fail = (err) => reply({ type: 'error', error: String(err?.stack ?? err) }, msg.id);
  try {
    if (msg.cmd === 'init') init(msg).catch(fail);
    else if (msg.cmd === 'run') run(msg).catch(fail);
    else if (msg.cmd === 'drop') drop(msg).catch(fail);
    else if (msg.cmd === 'caughtUp') caughtUp(msg).catch(fail);
    else if (msg.cmd === 'finals') reply({ type: 'finals', finals: Object.fromEntries(ctx?.seqByRoom ?? []) });
    else if (msg.cmd === 'settle') settle(msg).catch(fail);
    else if (msg.cmd === 'stop') {
      for (const c of [...(ctx?.clients ?? []), ...(ctx?.senders ?? [])]) c.ws?.destroy();
      for (const s of ctx?.sioSenders ?? []) s.disconnect();
      setTimeout(() => process.exit(0), 50);
    }
  } catch (err) {
    fail(err);
  }
});
process.on('disconnect', () => process.exit(0));
