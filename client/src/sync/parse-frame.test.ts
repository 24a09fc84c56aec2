import { describe, expect, it } from 'vitest';
import { parseServerFrame } from './parse-frame';

const user = { id: 'u1', username: 'ann', avatarUrl: null, createdAt: '2026-01-01T00:00:00.000Z' };
const message = { id: '1', roomId: 'r1', seq: 1, clientMsgId: 'c1', author: user, body: 'hi', createdAt: user.createdAt };
const parse = (v: unknown) => parseServerFrame(JSON.stringify(v));

describe('parseServerFrame', () => {
  it('passes well-formed frames of every known type', () => {
    const frames = [
      { type: 'ready', user, protocol: 1, heartbeatMs: 25_000 },
      { type: 'subscribed', roomId: 'r1', lastSeq: 3, recovered: true, online: ['u1'] },
      { type: 'ack', clientMsgId: 'c1', message },
      { type: 'message', message },
      { type: 'typing', roomId: 'r1', user, isTyping: true },
      { type: 'presence', roomId: 'r1', userId: 'u1', online: false },
      { type: 'member', roomId: 'r1', action: 'left', user },
      { type: 'read', roomId: 'r1', seq: 2 },
      { type: 'pong' },
      { type: 'error', code: 'RATE_LIMITED', message: 'slow', ref: 'c1', retryAfterMs: 100 },
    ];
    for (const f of frames) expect(parse(f)).toEqual(f);
  });

  it('drops unknown types, wrong shapes and non-JSON', () => {
    expect(parse({ type: 'reaction', emoji: '+1' })).toBeNull();
    expect(parse({ type: 'toString' })).toBeNull();
    expect(parse({ type: 'message', message: { ...message, seq: '1' } })).toBeNull();
    expect(parse({ type: 'member', roomId: 'r1', action: 'kicked', user })).toBeNull();
    expect(parse({ type: 'error', code: 'X', message: 'y', ref: 5 })).toBeNull();
    expect(parse(['ready'])).toBeNull();
    expect(parse(null)).toBeNull();
    expect(parseServerFrame('{')).toBeNull();
    expect(parseServerFrame(new ArrayBuffer(2))).toBeNull();
  });
});
