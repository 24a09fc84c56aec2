import { describe, expect, it, vi } from 'vitest';
import { R1, R2, T0, bob, me, msg, setupSessionTests, failSocketUntilFallback } from './test-harness';

/**
 * A sync session against a fake socket, a fake fetch and its own store: resume after reconnect,
 * the outbox, acks and refusals.
 */
const env = setupSessionTests();

describe('sync session', () => {
  it('subscribes to every joined room on ready, resuming from the last seq known', async () => {
    const { last } = await env.start();
    last().ready();
    expect(last().sent).toEqual([
      { type: 'subscribe', roomId: R1, sinceSeq: 5 },
      { type: 'subscribe', roomId: R2, sinceSeq: 0 },
    ]);
  });

  it('after a reconnect, resumes a loaded room from the last message it holds', async () => {
    const { rt, useStore, last } = await env.start();
    last().ready();
    await rt.loadLatest(R1);
    last().frame({ type: 'message', message: msg(R1, 6) });
    last().drop(4009);
    await vi.advanceTimersByTimeAsync(1_000); // the first retry comes within 500 ms
    last().ready();
    expect(last().sent[0]).toEqual({ type: 'subscribe', roomId: R1, sinceSeq: 6 });
    // The replay fills in without duplicates.
    last().frame({ type: 'subscribed', roomId: R1, lastSeq: 8, recovered: true, online: [me.id, bob.id] });
    for (const seq of [6, 7, 8]) last().frame({ type: 'message', message: msg(R1, seq) });
    expect(useStore.getState().timelines[R1]!.messages.map((m) => m.seq)).toEqual([4, 5, 6, 7, 8]);
    expect(useStore.getState().online[R1]).toEqual([me.id, bob.id]);
  });

  it('reloads the latest page when the server could not recover the gap', async () => {
    const { rt, useStore, last } = await env.start();
    last().ready();
    await rt.loadLatest(R1);
    // Meanwhile 5000 messages were written: too many to replay.
    env.latestPage = { messages: [msg(R1, 4999), msg(R1, 5000)], hasMore: true };
    last().frame({ type: 'subscribed', roomId: R1, lastSeq: 5000, recovered: false, online: [] });
    await vi.waitFor(() =>
      expect(useStore.getState().timelines[R1]!.messages.map((m) => m.seq)).toEqual([4999, 5000]),
    );
    expect(useStore.getState().timelines[R1]!.hasMore).toBe(true);
  });

  it('keeps messages written offline and sends each once when the socket is back', async () => {
    const { rt, useStore, last } = await env.start();
    rt.sendMessage(R1, 'first');
    rt.sendMessage(R1, 'second');
    expect(useStore.getState().outbox.map((i) => i.body)).toEqual(['first', 'second']);
    expect(env.storage.data.size).toBe(1); // persisted
    last().ready();
    expect(last().sent.filter((f) => f.type === 'send')).toEqual([]); // waits for subscribed
    last().frame({ type: 'subscribed', roomId: R1, lastSeq: 5, recovered: true, online: [] });
    const sends = last().sent.filter((f) => f.type === 'send');
    expect(sends.map((f) => f.body)).toEqual(['first', 'second']);
    // A second subscribed on the same connection does not send them again.
    last().frame({ type: 'subscribed', roomId: R1, lastSeq: 5, recovered: true, online: [] });
    expect(last().sent.filter((f) => f.type === 'send')).toHaveLength(2);
    // Acks swap the pending items for the stored messages.
    for (const [i, f] of sends.entries()) {
      last().frame({
        type: 'ack',
        clientMsgId: f.clientMsgId as string,
        message: { ...msg(R1, 6 + i, me, f.clientMsgId as string), body: f.body as string },
      });
    }
    expect(useStore.getState().outbox).toEqual([]);
    expect(env.storage.data.size).toBe(0);
    expect(useStore.getState().timelines[R1]!.messages.map((m) => m.body)).toEqual(['first', 'second']);
  });

  it('re-sends unacknowledged messages with the same clientMsgId after a reconnect', async () => {
    const { rt, last } = await env.start();
    last().ready();
    rt.sendMessage(R1, 'hello');
    const first = last().sent.find((f) => f.type === 'send')!;
    last().drop();
    await vi.advanceTimersByTimeAsync(1_000);
    last().ready();
    last().frame({ type: 'subscribed', roomId: R1, lastSeq: 5, recovered: true, online: [] });
    const again = last().sent.find((f) => f.type === 'send')!;
    expect(again.clientMsgId).toBe(first.clientMsgId);
  });

  it('restores the outbox from storage on start (a reload while offline)', async () => {
    env.storage.setItem(
      `rtchat.outbox.${me.id}`,
      JSON.stringify([{ clientMsgId: 'kept-1', roomId: R1, body: 'from before', createdAt: T0, status: 'pending' }]),
    );
    const { useStore, last } = await env.start();
    expect(useStore.getState().outbox.map((i) => i.clientMsgId)).toEqual(['kept-1']);
    last().ready();
    last().frame({ type: 'subscribed', roomId: R1, lastSeq: 5, recovered: true, online: [] });
    expect(last().sent.find((f) => f.type === 'send')).toMatchObject({ clientMsgId: 'kept-1', body: 'from before' });
  });

  it('marks a refused message failed, never dropping it, and retries on request', async () => {
    const { rt, useStore, last } = await env.start();
    last().ready();
    rt.sendMessage(R1, 'too fast');
    const id = useStore.getState().outbox[0]!.clientMsgId;
    last().frame({ type: 'error', code: 'RATE_LIMITED', message: 'slow down', ref: id, retryAfterMs: 1500 });
    expect(useStore.getState().outbox[0]).toMatchObject({ status: 'failed', error: 'Too fast: try again in 2 s' });
    // Failed items are not sent again by themselves.
    last().frame({ type: 'subscribed', roomId: R1, lastSeq: 5, recovered: true, online: [] });
    expect(last().sent.filter((f) => f.type === 'send')).toHaveLength(1);
    rt.retryMessage(id);
    expect(useStore.getState().outbox[0]!.status).toBe('pending');
    expect(last().sent.filter((f) => f.type === 'send')).toHaveLength(2);
  });

  it('retries quietly when the server is unavailable, then asks the user', async () => {
    const { rt, useStore, last } = await env.start();
    last().ready();
    rt.sendMessage(R1, 'try later');
    const id = useStore.getState().outbox[0]!.clientMsgId;
    for (let i = 1; i <= 3; i++) {
      last().frame({ type: 'error', code: 'UNAVAILABLE', message: 'busy', ref: id });
      expect(useStore.getState().outbox[0]!.status).toBe('pending');
      await vi.advanceTimersByTimeAsync(20_000);
      expect(last().sent.filter((f) => f.type === 'send')).toHaveLength(1 + i);
    }
    last().frame({ type: 'error', code: 'UNAVAILABLE', message: 'busy', ref: id });
    expect(useStore.getState().outbox[0]).toMatchObject({ status: 'failed', error: 'Server busy: not sent' });
  });

  it('moves the read cursor once per new seq', async () => {
    const { rt, last } = await env.start();
    last().ready();
    rt.markRead(R1, 7);
    rt.markRead(R1, 7);
    rt.markRead(R1, 6);
    expect(last().sent.filter((f) => f.type === 'read')).toEqual([{ type: 'read', roomId: R1, seq: 7 }]);
  });

  it('falls back to HTTP when the socket keeps failing, and back to the socket when it connects', async () => {
    const { rt, useStore, last } = await env.start();
    vi.stubGlobal('fetch', async (url: string, init?: RequestInit) => {
      if (init?.method === 'POST') env.posted.push({ url, body: init.body ? JSON.parse(init.body as string) : undefined });
      if (url === '/api/auth/me') return new Response(JSON.stringify({ user: me }), { status: 200 });
      if (url.startsWith('/api/rooms/env.joined')) return new Response(JSON.stringify({ rooms: env.joined }), { status: 200 });
      if (url.endsWith('/messages') && init?.method === 'POST') {
        const body = JSON.parse(init.body as string) as { clientMsgId: string; body: string };
        return new Response(JSON.stringify({ message: { ...msg(R1, 6, me, body.clientMsgId), body: body.body } }), { status: 201 });
      }
      return new Response(JSON.stringify({ messages: [], hasMore: false }), { status: 200 });
    });
    await failSocketUntilFallback(useStore, last);
    rt.sendMessage(R1, 'over http');
    await vi.waitFor(() => expect(useStore.getState().outbox).toEqual([]));
    expect(env.posted.find((p) => p.url.endsWith('/messages'))?.body).toMatchObject({ body: 'over http' });
    // Wait for the next attempt, and let it through.
    for (let i = 0; i < 120 && useStore.getState().connection.state !== 'connecting'; i++) {
      await vi.advanceTimersByTimeAsync(500);
    }
    last().ready();
    expect(useStore.getState().connection.transport).toBe('ws');
  });

  it('accepts protocol 2 in ready', async () => {
    const { last } = await env.start();
    last().ready(2);
    expect(last().sent.filter((f) => f.type === 'subscribe')).toHaveLength(2);
  });

  it('stops and asks for a reload when ready names a protocol it does not speak', async () => {
    const { useStore, last } = await env.start();
    last().ready(3);
    expect(last().sent).toEqual([]); // nothing subscribed, nothing sent
    expect(useStore.getState().connection).toMatchObject({ outdated: true, state: 'stopped' });
    // No retry loop against a server it cannot talk to.
    await vi.advanceTimersByTimeAsync(120_000);
    expect(env.sockets).toHaveLength(1);
  });

  it('ignores frames of an unknown type or a wrong shape, and keeps going', async () => {
    const { useStore, last } = await env.start();
    last().ready();
    const before = useStore.getState();
    last().raw(JSON.stringify({ type: 'reaction', roomId: R1, emoji: '+1' }));
    last().raw(JSON.stringify({ type: 'message', message: { roomId: R1, seq: 'nine' } }));
    last().raw(JSON.stringify({ type: 'presence', roomId: R1, userId: bob.id }));
    last().raw('not json');
    expect(useStore.getState().timelines).toBe(before.timelines);
    expect(useStore.getState().online).toBe(before.online);
    last().frame({ type: 'message', message: msg(R1, 6) });
    expect(useStore.getState().timelines[R1]!.messages.map((m) => m.seq)).toEqual([6]);
  });

  it('two sessions with their own stores do not share state (no module singletons)', async () => {
    const a = await env.start();
    const first = env.session!;
    env.session = null;
    const b = await env.start();
    first.sendMessage(R1, 'only in a');
    expect(a.useStore.getState().outbox.map((i) => i.body)).toEqual(['only in a']);
    expect(b.useStore.getState().outbox).toEqual([]);
    first.stop();
  });
});
