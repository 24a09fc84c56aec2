/**
 * Frames on /ws, both directions. Client frames are parsed and checked against their TypeBox
 * schema (src/protocol.ts) before anything else looks at them; every server frame is one member of
 * `ServerFrame`, serialized here. The hot-path builders (`messageFrameJson`, `ackFrameJson`) splice
 * an already serialized message into the frame, so a broadcast serializes its message once; they
 * produce exactly what `encodeFrame` would for the same frame.
 */
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import type { TSchema } from '@sinclair/typebox';
import {
  CLIENT_FRAME_SCHEMAS,
  type ClientFrame,
  type ClientFrameType,
  type ErrorCode,
  type ErrorFrame,
  type ServerFrame,
} from '../protocol.js';

const checkers = Object.fromEntries(
  Object.entries(CLIENT_FRAME_SCHEMAS).map(([type, schema]) => [type, TypeCompiler.Compile(schema)]),
) as Record<ClientFrameType, TypeCheck<TSchema>>;

export type ParsedFrame = { frame: ClientFrame } | { error: string; ref?: string };

/** Parses and validates one text frame; returns the frame or an error description (with the ref to echo). */
export function parseFrame(data: string): ParsedFrame {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return { error: 'Frame is not valid JSON' };
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return { error: 'Frame must be a JSON object' };
  const record = value as Record<string, unknown>;
  const ref = [record.ref, record.clientMsgId, record.messageId, record.roomId].find((v): v is string => typeof v === 'string');
  const type = record.type;
  if (typeof type !== 'string') return { error: 'Frame needs a string "type"', ref };
  const checker = Object.hasOwn(checkers, type) ? checkers[type as ClientFrameType] : undefined;
  if (!checker) return { error: `Unknown frame type "${type.slice(0, 40)}"`, ref };
  if (!checker.Check(value)) {
    const first = checker.Errors(value).First();
    const where = first?.path ? `${first.path.slice(1)}: ` : '';
    return { error: `Invalid "${type}" frame: ${where}${first?.message ?? 'does not match the schema'}`, ref };
  }
  return { frame: value as ClientFrame };
}

/** The JSON text of a server frame. */
export function encodeFrame(frame: ServerFrame): string {
  return JSON.stringify(frame);
}

/** `{ type: 'message', message }` around a message already serialized with JSON.stringify. */
export function messageFrameJson(messageJson: string): string {
  return `{"type":"message","message":${messageJson}}`;
}

/** `{ type: 'ack', clientMsgId, message }` around a message already serialized with JSON.stringify. */
export function ackFrameJson(clientMsgId: string, messageJson: string): string {
  return `{"type":"ack","clientMsgId":${JSON.stringify(clientMsgId)},"message":${messageJson}}`;
}

export function errorFrame(code: ErrorCode, message: string, ref?: string, retryAfterMs?: number): ErrorFrame {
  return { type: 'error', code, message, ...(ref !== undefined ? { ref } : {}), ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
}
