import { describe, expect, it } from 'vitest';
import { PLAIN_V2 } from '../lib/test-fixtures';
import { parseServerFrame } from './parse-frame';

const user = { id: 'u1', username: 'ann', avatarUrl: null, createdAt: '2026-01-01T00:00:00.000Z' };
const message = {
  ...PLAIN_V2,
  id: '1',
  roomId: 'r1',
  seq: 1,
  clientMsgId: 'c1',
  author: user,
  body: 'hi',
  createdAt: user.createdAt,
};
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

  it('passes the room log events and the mention frame (version 2)', () => {
    const frames = [
      { type: 'edit', roomId: 'r1', seq: 4, messageId: '1', body: 'fixed', mentions: ['u1'], mentionsRoom: false, editedAt: user.createdAt },
      { type: 'delete', roomId: 'r1', seq: 5, messageId: '1', deletedBy: 'u1', deletedAt: user.createdAt },
      { type: 'reaction', roomId: 'r1', seq: 6, messageId: '1', emoji: '👍', userId: 'u1', added: true, count: 1 },
      { type: 'mention', roomId: 'r1', messageId: '1', seq: 7 },
    ];
    for (const f of frames) expect(parse(f)).toEqual(f);
    const room = { id: 'r1', name: 'General', description: '', isPrivate: false, ownerId: 'u1', memberCount: 2, lastSeq: 3, imageUrl: null, slowModeSec: 30, createdAt: user.createdAt };
    for (const f of [{ type: 'room', room }, { type: 'room_deleted', roomId: 'r1' }, { type: 'member', roomId: 'r1', action: 'kicked', user }]) expect(parse(f)).toEqual(f);
    expect(parse({ type: 'room', room: { ...room, slowModeSec: '30' } })).toBeNull();
    expect(parse({ type: 'room_deleted' })).toBeNull();
    expect(parse({ type: 'edit', roomId: 'r1', seq: 4, messageId: '1', body: 'x', mentions: 'u1', editedAt: 'x' })).toBeNull();
    expect(parse({ type: 'reaction', roomId: 'r1', seq: 6, messageId: '1', emoji: '👍', userId: 'u1', added: 'yes', count: 1 })).toBeNull();
  });

  it('fills the version-2 fields of a message from a protocol-1 server', () => {
    const { editedAt: _e, deletedAt: _d, attachments: _a, replyTo: _r, mentions: _m, mentionsRoom: _mr, reactions: _x, ...v1 } = message;
    expect(parse({ type: 'message', message: v1 })).toEqual({ type: 'message', message });
  });

  it('drops unknown types, wrong shapes and non-JSON', () => {
    expect(parse({ type: 'reaction', emoji: '+1' })).toBeNull();
    expect(parse({ type: 'toString' })).toBeNull();
    expect(parse({ type: 'message', message: { ...message, seq: '1' } })).toBeNull();
    expect(parse({ type: 'member', roomId: 'r1', action: 'banished', user })).toBeNull();
    expect(parse({ type: 'member', roomId: 'r1', action: 'role', user, role: 'moderator' })).toEqual({ type: 'member', roomId: 'r1', action: 'role', user, role: 'moderator' });
    expect(parse({ type: 'member', roomId: 'r1', action: 'role', user })).toBeNull();
    expect(parse({ type: 'member', roomId: 'r1', action: 'role', user, role: 'admin' })).toBeNull();
    expect(parse({ type: 'error', code: 'X', message: 'y', ref: 5 })).toBeNull();
    expect(parse(['ready'])).toBeNull();
    expect(parse(null)).toBeNull();
    expect(parseServerFrame('{')).toBeNull();
    expect(parseServerFrame(new ArrayBuffer(2))).toBeNull();
  });
});
