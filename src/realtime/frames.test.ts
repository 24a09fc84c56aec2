import { describe, expect, it } from 'vitest';
import type { Message } from '../protocol.js';
import { ackFrameJson, encodeFrame, errorFrame, messageFrameJson, parseFrame } from './frames.js';
import { newMessageState } from '../protocol-constants.js';

const message: Message = {
  id: '1',
  roomId: '00000000-0000-4000-8000-000000000001',
  seq: 7,
  clientMsgId: 'c-"quoted"\\',
  author: { id: '00000000-0000-4000-8000-000000000002', username: 'ann', displayName: null, avatarUrl: null, isGuest: false, createdAt: '2026-01-01T00:00:00.000Z' },
  body: 'hi ✓ "there"',
  createdAt: '2026-01-01T00:00:00.000Z',
  ...newMessageState(),
};

describe('frames', () => {
  it('builds message and ack frames exactly as encodeFrame would', () => {
    const json = JSON.stringify(message);
    expect(messageFrameJson(json)).toBe(encodeFrame({ type: 'message', message }));
    expect(ackFrameJson(message.clientMsgId, json)).toBe(encodeFrame({ type: 'ack', clientMsgId: message.clientMsgId, message }));
  });

  it('omits absent optional fields of error frames', () => {
    expect(errorFrame('VALIDATION', 'no')).toEqual({ type: 'error', code: 'VALIDATION', message: 'no' });
    expect(errorFrame('RATE_LIMITED', 'slow', 'r', 5)).toEqual({ type: 'error', code: 'RATE_LIMITED', message: 'slow', ref: 'r', retryAfterMs: 5 });
  });

  it('parses a valid frame and names what is wrong with an invalid one, with its ref', () => {
    expect(parseFrame('{"type":"ping"}')).toEqual({ frame: { type: 'ping' } });
    expect(parseFrame('{"type":"send","roomId":"x","clientMsgId":"c1","body":"b"}')).toMatchObject({ error: expect.stringContaining('roomId'), ref: 'c1' });
    expect(parseFrame('{"type":"nope","roomId":"r"}')).toEqual({ error: 'Unknown frame type "nope"', ref: 'r' });
    expect(parseFrame('[1]')).toEqual({ error: 'Frame must be a JSON object' });
  });
});
