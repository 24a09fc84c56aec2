import { describe, expect, it } from 'vitest';
import { decodeBusEvent, encodeBusEvent, type BusEvent } from './bus-events.js';

const user = { id: '00000000-0000-4000-8000-000000000002', username: 'ann', displayName: null, avatarUrl: null, isGuest: false, createdAt: '2026-01-01T00:00:00.000Z' };
const roomId = '00000000-0000-4000-8000-000000000001';

describe('bus events', () => {
  it('decodes every event it encodes', () => {
    const events: BusEvent[] = [
      {
        type: 'event',
        instance: 'i1',
        event: { type: 'message', message: { id: '0190f6a2-3c4d-7e5f-8a6b-0c1d2e3f4a5b', roomId, seq: 3, clientMsgId: 'c', author: user, body: 'b', createdAt: '2026-01-01T00:00:00.000Z', editedAt: null, deletedAt: null, attachments: [], replyTo: null, mentions: [], mentionsRoom: false, reactions: [] } },
      },
      { type: 'typing', instance: 'i1', roomId, user, isTyping: true },
      { type: 'presence', instance: 'i1', version: 4, online: [`${roomId}\u0000${user.id}`], offline: [] },
      { type: 'snapshot', instance: 'i1' },
      { type: 'goodbye', instance: 'i1' },
      { type: 'ping', instance: 'i1' },
      { type: 'member', instance: 'i1', roomId, action: 'left', user },
      { type: 'read', instance: 'i1', userId: user.id, roomId, seq: 9 },
      { type: 'role', instance: 'i1', roomId, user, role: 'moderator' },
      { type: 'session-ended', instance: 'i1', sessionIds: ['s1', 's2'] },
      { type: 'user-updated', instance: 'i1', user: { ...user, displayName: 'Ann' } },
      { type: 'user-updated', instance: 'i1', user: { ...user, isGuest: false } },
    ];
    for (const event of events) expect(decodeBusEvent(encodeBusEvent(event))).toEqual({ event });
  });

  it('refuses what is not a known, well-formed event instead of casting it', () => {
    for (const payload of [
      'not json',
      '{"t":"m","i":"old-version"}',
      '{"type":"read","instance":"i1","userId":"u","roomId":"r","seq":1}',
      `{"type":"member","instance":"i1","roomId":"${roomId}","action":"kicked","user":${JSON.stringify(user)}}`,
      `{"type":"role","instance":"i1","roomId":"${roomId}","user":${JSON.stringify(user)},"role":"admin"}`,
      `{"type":"role","instance":"i1","roomId":"${roomId}","user":${JSON.stringify(user)}}`,
      '{"type":"ping"}',
      '{"type":"ping","instance":"i1","extra":true}',
      '{"type":"session-ended","instance":"i1","sessionIds":[]}',
      '{"type":"session-ended","instance":"i1","sessionId":"s1"}',
    ]) {
      expect(decodeBusEvent(payload), payload).toMatchObject({ error: expect.any(String) });
    }
  });
});
