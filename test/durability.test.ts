/**
 * The server as a real process: an acknowledged message survives kill -9 and a graceful restart,
 * and retries after the crash store nothing twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Message } from '../src/protocol.js';
import { WsClient } from './helpers.js';
import { runScript, serverProcessEnv, startServerProcess, type ServerProcess } from './processes.js';

const SECRET = 'durability-secret-durability-secret-0123';

let env: Record<string, string>;
let dropDatabase: (() => Promise<void>) | null = null;

async function startProcess(): Promise<ServerProcess> {
  return startServerProcess(env);
}

async function api<T>(url: string, method: string, body?: unknown, token?: string): Promise<{ status: number; json: T }> {
  const res = await fetch(url, {
    method,
    headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, json: (res.status === 204 ? null : await res.json()) as T };
}

async function allMessages(url: string, token: string, roomId: string): Promise<Message[]> {
  const out: Message[] = [];
  let after = 0;
  for (;;) {
    const { json } = await api<{ messages: Message[]; hasMore: boolean }>(`${url}/api/rooms/${roomId}/messages?after=${after}&limit=100`, 'GET', undefined, token);
    out.push(...json.messages);
    if (!json.hasMore) return out;
    after = json.messages.at(-1)!.seq;
  }
}

beforeAll(async () => {
  const processEnv = await serverProcessEnv('durable', { SESSION_SECRET: SECRET, SEND_RATE_PER_SEC: '100000', SEND_BURST: '100000' });
  env = processEnv.env;
  dropDatabase = processEnv.drop;
});
afterAll(async () => {
  await dropDatabase?.();
});

describe('a server process', () => {
  it('loses no acknowledged message on kill -9, and retries after restart store nothing twice', async () => {
    let proc = await startProcess();
    const { json: reg } = await api<{ token: string }>(`${proc.url}/api/auth/register`, 'POST', { username: 'durable_dan', password: 'long enough password' });
    const { json: created } = await api<{ room: { id: string } }>(`${proc.url}/api/rooms`, 'POST', { name: 'Durable' }, reg.token);
    const roomId = created.room.id;

    const ws = await WsClient.connect(`${proc.url.replace('http', 'ws')}/ws`, reg.token);
    const total = 300;
    for (let i = 0; i < total; i++) ws.send({ type: 'send', roomId, clientMsgId: `k${i}`, body: `message ${i}` });
    // Kill as soon as some (not all) are acknowledged.
    await ws.next((f) => f.type === 'ack' && (f as { message: Message }).message.seq >= 50, 20_000);
    proc.child.kill('SIGKILL');
    await proc.exited;
    await ws.closed;
    const acked = ws.frames.filter((f) => f.type === 'ack').map((f) => f.clientMsgId as string);
    expect(acked.length).toBeGreaterThanOrEqual(50);

    proc = await startProcess();
    const after = await allMessages(proc.url, reg.token, roomId);
    const stored = new Set(after.map((m) => m.clientMsgId));
    for (const id of acked) expect(stored.has(id)).toBe(true);
    expect(after.map((m) => m.seq)).toEqual(after.map((_, i) => i + 1));

    // The client retries everything it did not see acknowledged, with the same ids.
    const ws2 = await WsClient.connect(`${proc.url.replace('http', 'ws')}/ws`, reg.token);
    for (let i = 0; i < total; i++) {
      if (!acked.includes(`k${i}`)) ws2.send({ type: 'send', roomId, clientMsgId: `k${i}`, body: `message ${i}` });
    }
    const pending = total - acked.length;
    while (ws2.frames.filter((f) => f.type === 'ack').length < pending) await ws2.next((f) => f.type === 'ack', 20_000);
    const final = await allMessages(proc.url, reg.token, roomId);
    expect(final).toHaveLength(total);
    expect(new Set(final.map((m) => m.clientMsgId)).size).toBe(total);
    expect(final.map((m) => m.seq)).toEqual(final.map((_, i) => i + 1));
    await ws2.close();

    // Graceful stop: exits 0, and everything is still there after another start.
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
    proc = await startProcess();
    expect(await allMessages(proc.url, reg.token, roomId)).toHaveLength(total);
    proc.child.kill('SIGTERM');
    await proc.exited;
  }, 120_000);

  it('refuses to start with a clear message for bad configuration', async () => {
    const { code, stderr } = await runScript('src/server.ts', { PORT: 'eighty', SESSION_SECRET: 'short', LOG_LEVEL: 'loud' });
    expect(code).toBe(78);
    expect(stderr).toContain('PORT must be a whole number');
    expect(stderr).toContain('SESSION_SECRET must be at least 32 characters');
    expect(stderr).toContain('LOG_LEVEL must be one of');
  });

  it('refuses 32 spaces as SESSION_SECRET with exit code 78', async () => {
    const { code, stderr } = await runScript('src/server.ts', { PORT: '0', SESSION_SECRET: ' '.repeat(32) });
    expect(code).toBe(78);
    expect(stderr).toContain('SESSION_SECRET is too predictable');
  });
});
