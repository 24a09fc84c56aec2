/**
 * The room log as a client sees it: `project` applies log events to messages the way a client
 * does (so a test can compare "replayed + applied" with a fresh HTTP load), and HTTP helpers for
 * edit / delete / react / events / the whole history.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll } from 'vitest';
import type { LogFrame, Message } from '../src/protocol.js';
import { startWithAccounts, type Account, type TestServer } from './helpers.js';

/** The frames of the log (message, edit, delete, reaction) among what a client received, acks as messages. */
export function logFramesOf(frames: readonly Record<string, unknown>[], roomId: string): LogFrame[] {
  const out: LogFrame[] = [];
  for (const f of frames) {
    if (f.type === 'ack') out.push({ type: 'message', message: f.message as Message });
    else if (f.type === 'message' || f.type === 'edit' || f.type === 'delete' || f.type === 'reaction') out.push(f as unknown as LogFrame);
  }
  return out.filter((f) => (f.type === 'message' ? f.message.roomId : f.roomId) === roomId);
}

export const seqOfFrame = (f: LogFrame): number => (f.type === 'message' ? f.message.seq : f.seq);

/** Applies log events, in order, to a list of messages (by id), as a client would. */
export function project(initial: readonly Message[], events: readonly LogFrame[]): Message[] {
  const byId = new Map(initial.map((m) => [m.id, structuredClone(m)]));
  for (const e of events) {
    if (e.type === 'message') {
      byId.set(e.message.id, structuredClone(e.message));
      continue;
    }
    const m = byId.get(e.messageId);
    if (!m) continue;
    if (e.type === 'edit') Object.assign(m, { body: e.body, mentions: e.mentions, mentionsRoom: e.mentionsRoom, editedAt: e.editedAt });
    else if (e.type === 'delete') {
      Object.assign(m, { body: '', deletedAt: e.deletedAt, mentions: [], mentionsRoom: false, replyTo: null, reactions: [], attachments: [] });
      for (const other of byId.values()) {
        if (other.replyTo?.id === e.messageId) other.replyTo = { ...other.replyTo, excerpt: '', deleted: true };
      }
    } else {
      const group = m.reactions.find((r) => r.emoji === e.emoji);
      if (e.added) {
        if (group) group.userIds.push(e.userId);
        else m.reactions.push({ emoji: e.emoji, count: 0, userIds: [e.userId] });
      } else if (group) group.userIds = group.userIds.filter((u) => u !== e.userId);
      const g = m.reactions.find((r) => r.emoji === e.emoji);
      if (g) g.count = e.count;
      m.reactions = m.reactions.filter((r) => r.count > 0);
    }
  }
  return [...byId.values()].sort((a, b) => a.seq - b.seq);
}

export function roomLogApi(app: FastifyInstance) {
  const call = async (account: Account, method: 'GET' | 'PATCH' | 'DELETE' | 'PUT' | 'POST', url: string, payload?: unknown) =>
    app.inject({ method, url, headers: account.headers, ...(payload !== undefined ? { payload: payload as object } : {}) });
  return {
    call,
    edit: (a: Account, roomId: string, messageId: string, body: string) => call(a, 'PATCH', `/api/rooms/${roomId}/messages/${messageId}`, { body }),
    remove: (a: Account, roomId: string, messageId: string) => call(a, 'DELETE', `/api/rooms/${roomId}/messages/${messageId}`),
    react: (a: Account, roomId: string, messageId: string, emoji: string, add = true) =>
      call(a, add ? 'PUT' : 'DELETE', `/api/rooms/${roomId}/messages/${messageId}/reactions/${encodeURIComponent(emoji)}`),
    events: (a: Account, roomId: string, after: number, limit = 100) => call(a, 'GET', `/api/rooms/${roomId}/events?after=${after}&limit=${limit}`),
    /** Every event after `after`, following hasMore. */
    async allEvents(a: Account, roomId: string, after = 0): Promise<LogFrame[]> {
      const out: LogFrame[] = [];
      for (;;) {
        const res = await call(a, 'GET', `/api/rooms/${roomId}/events?after=${after}&limit=100`);
        if (res.statusCode !== 200) throw new Error(`events: ${res.statusCode} ${res.body}`);
        const page = res.json<{ events: LogFrame[]; hasMore: boolean }>();
        out.push(...page.events);
        if (!page.hasMore || !page.events.length) return out;
        after = seqOfFrame(page.events.at(-1)!);
      }
    },
    /** The whole history as it is now. */
    async history(a: Account, roomId: string): Promise<Message[]> {
      const all: Message[] = [];
      let after = 0;
      for (;;) {
        const res = await call(a, 'GET', `/api/rooms/${roomId}/messages?after=${after}&limit=100`);
        if (res.statusCode !== 200) throw new Error(`history: ${res.statusCode} ${res.body}`);
        const page = res.json<{ messages: Message[]; hasMore: boolean }>();
        all.push(...page.messages);
        if (!page.hasMore) return all;
        after = page.messages.at(-1)!.seq;
      }
    },
    async post(a: Account, roomId: string, body: string, extra: { replyToId?: string } = {}) {
      return call(a, 'POST', `/api/rooms/${roomId}/messages`, { clientMsgId: `c-${Math.random().toString(36).slice(2)}`, body, ...extra });
    },
  };
}

const EMOJI = ['👍', '🎉', '❤️', '😂'];

/** How `churn` acts on a room (HTTP on one server, or on one of several instances). */
export interface ChurnOps<A extends { user: { id: string } }> {
  post(a: A, body: string, replyToId?: string): Promise<Message | null>;
  edit(a: A, id: string, body: string): Promise<unknown>;
  remove(a: A, id: string): Promise<unknown>;
  react(a: A, id: string, emoji: string, add: boolean): Promise<unknown>;
}

/** A deterministic mix of every kind of event by several users; some requests are refused (that is fine). */
export async function churn<A extends { user: { id: string } }>(
  ops: ChurnOps<A>,
  people: A[],
  seed: Message[],
  rounds: number,
): Promise<void> {
  const pool = [...seed];
  for (let i = 0; i < rounds; i++) {
    const who = people[i % people.length]!;
    const target = pool[(i * 7) % pool.length]!;
    const author = people.find((p) => p.user.id === target.author.id)!;
    const step = i % 6;
    if (step === 0) {
      const m = await ops.post(who, `round ${i}`, i % 12 === 0 ? target.id : undefined);
      if (m) pool.push(m);
    } else if (step === 1) await ops.edit(author, target.id, `edited in round ${i}`);
    else if (step === 5 && i % 4 === 1) await ops.remove(author, target.id);
    else await ops.react(who, target.id, EMOJI[i % EMOJI.length]!, i % 5 !== 3);
  }
}

export type RoomLogApi = ReturnType<typeof roomLogApi>;
export interface RoomLogScene {
  server: TestServer;
  api: RoomLogApi;
  alice: Account;
  bob: Account;
  carol: Account;
}

/** A file's server (sends unthrottled) with alice, bob and carol, handed to `set` before its tests; closed after them. */
export function roomLogSuite(set: (scene: RoomLogScene) => void): void {
  let server: TestServer | undefined;
  beforeAll(async () => {
    const started = await startWithAccounts({ SEND_RATE_PER_SEC: '100000', SEND_BURST: '100000' }, ['alice', 'bob', 'carol']);
    server = started.server;
    set({ ...started, api: roomLogApi(started.server.app) });
  });
  afterAll(() => server?.close());
}
