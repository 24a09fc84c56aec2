import { describe, expect, it, vi } from 'vitest';
import type { LogEvent } from '../lib/wire';
import { R1, T0, bob, me, msg, setupSessionTests, failSocketUntilFallback } from './test-harness';

/**
 * The room log through a sync session: edits, deletions and reactions resume with `sinceSeq`
 * (the applied log position), replays apply once, and the HTTP fallback polls `events?after=`.
 */
const env = setupSessionTests();

const edit = (seq: number, body: string): LogEvent => ({
  type: 'edit',
  roomId: R1,
  seq,
  messageId: '5',
  body,
  mentions: [],
  mentionsRoom: false,
  editedAt: T0,
});
const react = (seq: number, userId: string, added = true): LogEvent => ({
  type: 'reaction',
  roomId: R1,
  seq,
  messageId: '4',
  emoji: '👍',
  userId,
  added,
  count: 1,
});

describe('room log over the socket', () => {
  it('resumes from the last event applied (not the last message) and applies a replay once', async () => {
    const { rt, useStore, last } = await env.start();
    last().ready();
    await rt.loadLatest(R1);
    last().frame(edit(6, 'edited once'));
    last().frame(react(7, bob.id));
    last().drop(4009);
    await vi.advanceTimersByTimeAsync(1_000);
    last().ready();
    expect(last().sent[0]).toEqual({ type: 'subscribe', roomId: R1, sinceSeq: 7 });
    // A server replaying a little too much changes nothing.
    last().frame(react(7, bob.id));
    last().frame({ type: 'delete', roomId: R1, seq: 8, messageId: '5', deletedBy: bob.id, deletedAt: T0 });
    last().frame(edit(6, 'edited once'));
    const [m4, m5] = useStore.getState().timelines[R1]!.messages;
    expect(m4!.reactions).toEqual([{ emoji: '👍', count: 1, userIds: [bob.id] }]);
    expect(m5).toMatchObject({ body: '', deletedAt: T0 });
  });

  it('a mention frame for a room not followed on this connection bumps its badge', async () => {
    const { useStore, last } = await env.start();
    last().ready();
    last().frame({ type: 'mention', roomId: R1, messageId: '9', seq: 9 });
    expect(useStore.getState().rooms[R1]).toMatchObject({ mentionCount: 1, unreadCount: 1, lastSeq: 9 });
  });
});

describe('room log in the HTTP fallback', () => {
  it('polls events?after= from the applied position and applies edits and reactions', async () => {
    const { rt, useStore, last } = await env.start();
    last().ready();
    await rt.loadLatest(R1);
    useStore.getState().setActiveRoom(R1);
    const asked: string[] = [];
    vi.stubGlobal('fetch', async (url: string) => {
      if (url === '/api/auth/me') return new Response(JSON.stringify({ user: me }), { status: 200 });
      if (url.startsWith('/api/rooms/joined')) return new Response(JSON.stringify({ rooms: env.joined }), { status: 200 });
      if (url.includes('/events?')) {
        asked.push(url);
        const after = Number(new URL(url, 'http://x').searchParams.get('after'));
        const log: LogEvent[] = [
          { type: 'message', message: msg(R1, 6) },
          edit(7, 'edited over http'),
          react(8, bob.id),
        ];
        return new Response(JSON.stringify({ events: log.filter((e) => (e.type === 'message' ? e.message.seq : e.seq) > after), hasMore: false }), {
          status: 200,
        });
      }
      return new Response(JSON.stringify({ messages: [], hasMore: false }), { status: 200 });
    });
    await failSocketUntilFallback(useStore, last);
    await vi.waitFor(() => expect(useStore.getState().timelines[R1]!.appliedSeq).toBe(8));
    expect(asked[0]).toContain(`/api/rooms/${R1}/events?after=5`);
    const t = useStore.getState().timelines[R1]!;
    expect(t.messages.map((m) => m.seq)).toEqual([4, 5, 6]);
    expect(t.messages[1]!.body).toBe('edited over http');
    expect(t.messages[0]!.reactions[0]!.userIds).toEqual([bob.id]);
    // The next poll asks from 8 and applies nothing twice.
    await vi.advanceTimersByTimeAsync(3_000);
    expect(asked[asked.length - 1]).toContain('after=8');
    expect(useStore.getState().timelines[R1]).toBe(t);
  });
});

describe('jumping to a message (reply quotes)', () => {
  const page = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => msg(R1, from + i));

  it('highlights a held message without fetching, and opens a window around one far back', async () => {
    const { rt, useStore, last } = await env.start();
    last().ready();
    await rt.loadLatest(R1); // holds 4 and 5
    const asked: string[] = [];
    vi.stubGlobal('fetch', async (url: string) => {
      asked.push(url);
      const params = new URL(url, 'http://x').searchParams;
      if (params.has('around')) return new Response(JSON.stringify({ messages: page(1, 2), hasMore: true, hasOlder: false, hasNewer: true }), { status: 200 });
      return new Response(JSON.stringify({ messages: page(3, 5), hasMore: false }), { status: 200 });
    });
    await rt.jumpTo(R1, 5);
    expect(asked).toEqual([]);
    expect(useStore.getState().highlight).toMatchObject({ roomId: R1, seq: 5 });

    await rt.jumpTo(R1, 1);
    expect(asked[0]).toContain(`/api/rooms/${R1}/messages?around=1`);
    const t = useStore.getState().timelines[R1]!;
    expect(t.window).toMatchObject({ hasOlder: false, hasNewer: true });
    expect(t.window!.messages.map((m) => m.seq)).toEqual([1, 2]);
    expect(t.messages.map((m) => m.seq)).toEqual([4, 5]); // the latest stay as they were
    expect(useStore.getState().highlight).toMatchObject({ seq: 1 });

    // Paging the window forward reaches the latest: it joins them and the window closes.
    await rt.loadWindow(R1, 'newer');
    expect(asked[1]).toContain('after=2');
    const joined = useStore.getState().timelines[R1]!;
    expect(joined.window).toBeNull();
    expect(joined.messages.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(joined.hasMore).toBe(false);
  });

  it('an around page that reaches the held messages joins the timeline instead of a window', async () => {
    const { rt, useStore, last } = await env.start();
    last().ready();
    await rt.loadLatest(R1);
    vi.stubGlobal('fetch', async () => new Response(JSON.stringify({ messages: page(2, 5), hasMore: true, hasOlder: true, hasNewer: false }), { status: 200 }));
    await rt.jumpTo(R1, 3);
    const t = useStore.getState().timelines[R1]!;
    expect(t.window).toBeNull();
    expect(t.messages.map((m) => m.seq)).toEqual([2, 3, 4, 5]);
    expect(t.hasMore).toBe(true);
  });
});
