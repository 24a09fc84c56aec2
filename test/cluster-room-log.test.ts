/**
 * The room log across three instances through Redis: while users on two instances send, edit,
 * delete and react, a reader resumes with `sinceSeq` on the third, which is killed (-9) mid-stream;
 * it resumes again on a survivor. Every client gets every event once, in seq order, and applying
 * them to what it had equals a fresh HTTP load. Needs TEST_REDIS_URL and TEST_DATABASE_URL.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { LogFrame, Message } from '../src/protocol.js';
import { api, clusterEnabled, clusterSuite, range, register, roomIn, waitFor, type Account, type Instance } from './cluster-harness.js';
import { WsClient } from './helpers.js';
import { churn, logFramesOf, project, seqOfFrame, type ChurnOps } from './room-log-helpers.js';

describe.skipIf(!clusterEnabled)('room log across instances (needs TEST_REDIS_URL and TEST_DATABASE_URL)', () => {
  const { instances } = clusterSuite(['A', 'B', 'C']);

  async function history(inst: Instance, a: Account, roomId: string): Promise<Message[]> {
    const all: Message[] = [];
    for (let after = 0; ; ) {
      const res = await api<{ messages: Message[]; hasMore: boolean }>(inst, 'GET', `/api/rooms/${roomId}/messages?after=${after}&limit=100`, a.token);
      all.push(...res.body.messages);
      if (!res.body.hasMore) return all;
      after = res.body.messages.at(-1)!.seq;
    }
  }

  it('resumes edits, deletions and reactions exactly, in order, across instances and a kill -9', async () => {
    const [A, B, C] = instances as [Instance, Instance, Instance];
    const [a, b, reader] = await Promise.all([register(A), register(B), register(C)]);
    const roomId = await roomIn(instances, [a, b, reader]);
    // Each user acts through "their" instance.
    const home = new Map<string, Instance>([[a.user.id, A], [b.user.id, B], [reader.user.id, B]]);
    const via = (who: Account) => home.get(who.user.id)!;
    const ops: ChurnOps<Account> = {
      post: async (who, body, replyToId) => {
        const res = await api<{ message: Message }>(via(who), 'POST', `/api/rooms/${roomId}/messages`, who.token, {
          clientMsgId: randomBytes(6).toString('hex'),
          body,
          ...(replyToId ? { replyToId } : {}),
        });
        return res.status === 201 ? res.body.message : null;
      },
      edit: (who, id, body) => api(via(who), 'PATCH', `/api/rooms/${roomId}/messages/${id}`, who.token, { body }),
      remove: (who, id) => api(via(who), 'DELETE', `/api/rooms/${roomId}/messages/${id}`, who.token),
      react: (who, id, emoji, add) => api(via(who), add ? 'PUT' : 'DELETE', `/api/rooms/${roomId}/messages/${id}/reactions/${encodeURIComponent(emoji)}`, who.token),
    };
    const seed: Message[] = [];
    for (let i = 0; i < 12; i++) seed.push((await ops.post([a, b, reader][i % 3]!, `seed ${i}`))!);
    await churn(ops, [a, b, reader], seed, 24);

    const before = await history(A, reader, roomId);
    const since = (await api<{ room: { lastSeq: number } }>(A, 'GET', `/api/rooms/${roomId}`, reader.token)).body.room.lastSeq;
    const wsA = await WsClient.connect(A.wsUrl, a.token);
    const wsB = await WsClient.connect(B.wsUrl, b.token);
    await Promise.all([wsA.subscribe(roomId, since), wsB.subscribe(roomId, since)]);

    const going = churn(ops, [a, b, reader], seed, 150);
    // The reader resumes on C; C dies once the reader has seen some of the stream.
    const received: LogFrame[] = [];
    const onC = await WsClient.connect(C.wsUrl, reader.token);
    expect(await onC.subscribe(roomId, since)).toMatchObject({ type: 'subscribed', recovered: true });
    await waitFor(() => logFramesOf(onC.frames, roomId).length >= 15, 20_000, 'the reader saw part of the stream on C');
    C.proc.kill('SIGKILL');
    await onC.closed;
    received.push(...logFramesOf(onC.frames, roomId));
    const resumeFrom = received.length ? seqOfFrame(received.at(-1)!) : since;
    const onA = await WsClient.connect(A.wsUrl, reader.token);
    expect(await onA.subscribe(roomId, resumeFrom)).toMatchObject({ type: 'subscribed', recovered: true });
    await going;

    const last = (await api<{ room: { lastSeq: number } }>(A, 'GET', `/api/rooms/${roomId}`, reader.token)).body.room.lastSeq;
    const reached = (ws: WsClient) => logFramesOf(ws.frames, roomId).some((f) => seqOfFrame(f) === last);
    await waitFor(() => [onA, wsA, wsB].every(reached), 20_000, 'everyone reached the last seq');
    received.push(...logFramesOf(onA.frames, roomId));

    const now = await history(B, reader, roomId);
    expect(received.map(seqOfFrame)).toEqual(range(since + 1, last));
    expect(new Set(received.map((f) => f.type))).toEqual(new Set(['message', 'edit', 'delete', 'reaction']));
    expect(project(before, received)).toEqual(now);
    for (const ws of [wsA, wsB]) {
      const frames = logFramesOf(ws.frames, roomId);
      expect(frames.map(seqOfFrame)).toEqual(range(since + 1, last));
      expect(project(before, frames)).toEqual(now);
    }
    await Promise.all([onA.close(), wsA.close(), wsB.close()]);
  }, 90_000);

  it('tells a mentioned user on another instance, on a connection not subscribed to the room', async () => {
    const [A, B] = instances as [Instance, Instance];
    const [a, m] = await Promise.all([register(A), register(B)]);
    const roomId = await roomIn([A, B], [a, m]);
    const wsM = await WsClient.connect(B.wsUrl, m.token);
    const res = await api<{ message: Message }>(A, 'POST', `/api/rooms/${roomId}/messages`, a.token, { clientMsgId: 'mention-1', body: `hey @${m.user.username}` });
    expect(res.body.message.mentions).toEqual([m.user.id]);
    expect(await wsM.next((f) => f.type === 'mention', 10_000)).toEqual({ type: 'mention', roomId, messageId: res.body.message.id, seq: res.body.message.seq });
    await wsM.close();
  });
});
