import type { Attachment } from './wire';

/** Small file helpers used by the initial bundle (the uploader itself, lib/upload.ts, is lazy). */

const UNITS = ['B', 'KB', 'MB', 'GB'] as const;
/** A size for people: 1 decimal under 10 units, none above. */
export function formatBytes(n: number): string {
  let v = n;
  let u = 0;
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  const digits = u === 0 || v >= 10 ? 0 : 1;
  return `${v.toFixed(digits)} ${UNITS[u]}`;
}

/** The kind a local file will most likely be (for its preview only: the server decides). */
export function localKind(mime: string): Attachment['kind'] {
  if (mime.startsWith('image/') && mime !== 'image/svg+xml') return 'image';
  if (mime === 'video/mp4' || mime === 'video/webm') return 'video';
  return 'file';
}
