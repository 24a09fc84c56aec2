/**
 * Where file bytes live, behind one small interface: local disk (default) or an S3-compatible
 * store. Keys are opaque, server-made names (random ids); the database decides who may read them.
 *
 * Invariant for every implementation: an object is visible under its key only once it is complete
 * (local disk writes a temp file and renames it; S3 commits a PUT atomically), so a crash in the
 * middle of a write leaves nothing half-visible.
 */
import type { Readable } from 'node:stream';

/** Inclusive byte range, as in an HTTP `Range: bytes=start-end` header. */
export interface ByteRange {
  start: number;
  end: number;
}

export interface SignedUrlOptions {
  expiresSec: number;
  contentType: string;
  contentDisposition: string;
}

export interface FileStorage {
  readonly kind: 'local' | 's3';
  /** Stores `size` bytes from `body` under `key` (replacing nothing: keys are never reused). */
  put(key: string, body: Readable, size: number, contentType: string): Promise<void>;
  /** The bytes (of `range` only, when given); throws when the key is missing. */
  get(key: string, range?: ByteRange): Promise<Readable>;
  /** The object's size, or null when it does not exist. */
  head(key: string): Promise<{ size: number } | null>;
  /** Removes the object; a missing key is not an error. */
  delete(key: string): Promise<void>;
  /** A short-lived URL the browser may fetch directly, or null when the store has none (local disk). */
  signedUrl(key: string, options: SignedUrlOptions): Promise<string | null>;
}

/** Keys are made by the server; anything else (a path, a dot-dot) is a bug, refused loudly. */
export const KEY_PATTERN = /^[a-z0-9][a-z0-9._-]{0,127}$/;

export function assertKey(key: string): void {
  if (!KEY_PATTERN.test(key) || key.includes('..')) throw new Error(`invalid storage key: ${key}`);
}
