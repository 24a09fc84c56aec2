/**
 * A video's display size from its container header, without decoding anything (no ffmpeg):
 * - MP4/MOV (ISO BMFF): the first `moov/trak/tkhd` with a non-zero size (16.16 fixed point),
 *   width and height swapped when its matrix turns the picture a quarter (phone portrait videos).
 * - WebM/Matroska (EBML): the first `Segment/Tracks/TrackEntry/Video` PixelWidth/PixelHeight, or
 *   its DisplayWidth/DisplayHeight when both are given in pixels.
 *
 * Invariants (the input is hostile):
 * - Bounded work: every read is a header or a small field (at most 256 bytes), at most
 *   MAX_STEPS boxes/elements are visited, and every step moves forward by at least a header, so
 *   it always ends, whatever the sizes say. `mdat` and media clusters are skipped by offset,
 *   never read, so a `moov` at the end of a 100 MB file costs a few reads.
 * - No size is trusted: a child never reaches past its parent or the file; a size smaller than its
 *   header, or a truncated field, ends the walk. Never throws for bad bytes: the answer is null.
 * - A size outside 1..MAX_SIDE is no size.
 */
import { open } from 'node:fs/promises';

export interface Dimensions {
  width: number;
  height: number;
}

/** Random access to the bytes (a file, or a buffer in the tests). `read` may return fewer bytes at the end. */
export interface ByteSource {
  readonly size: number;
  read(offset: number, length: number): Promise<Uint8Array>;
}

export const MAX_STEPS = 4096;
export const MAX_SIDE = 65_535;
const MAX_FIELD = 256;

export function bufferSource(bytes: Uint8Array): ByteSource {
  return { size: bytes.length, read: async (offset, length) => bytes.subarray(offset, Math.min(bytes.length, offset + length)) };
}

/** The dimensions of the video file at `path` (by its sniffed `mime`), or null; never throws. */
export async function readVideoDimensions(path: string, mime: string): Promise<Dimensions | null> {
  let handle: Awaited<ReturnType<typeof open>> | null = null;
  try {
    handle = await open(path, 'r');
    const { size } = await handle.stat();
    const h = handle;
    const source: ByteSource = {
      size,
      read: async (offset, length) => {
        const buf = Buffer.alloc(length);
        const { bytesRead } = await h.read(buf, 0, length, offset);
        return buf.subarray(0, bytesRead);
      },
    };
    return await videoDimensions(source, mime);
  } catch {
    return null;
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

export async function videoDimensions(source: ByteSource, mime: string): Promise<Dimensions | null> {
  try {
    const budget = { steps: MAX_STEPS };
    const found = mime === 'video/webm' || mime === 'video/x-matroska' ? await matroska(source, budget) : await isoBmff(source, budget);
    return found && valid(found.width) && valid(found.height) ? found : null;
  } catch {
    return null;
  }
}

const valid = (n: number) => Number.isInteger(n) && n >= 1 && n <= MAX_SIDE;

interface Budget {
  steps: number;
}

// ---- MP4 / MOV --------------------------------------------------------------------------------

const u32 = (b: Uint8Array, at: number) => ((b[at]! << 24) >>> 0) + (b[at + 1]! << 16) + (b[at + 2]! << 8) + b[at + 3]!;
const fourcc = (b: Uint8Array, at: number) => String.fromCharCode(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!);

interface Box {
  type: string;
  /** Where its content starts and its end (clamped to the parent). */
  body: number;
  end: number;
}

/** The boxes of [start, end), in order; stops at the first malformed header. */
async function* boxes(src: ByteSource, start: number, end: number, budget: Budget): AsyncGenerator<Box> {
  let at = start;
  while (at + 8 <= end && budget.steps-- > 0) {
    const head = await src.read(at, 16);
    if (head.length < 8) return;
    let size = u32(head, 0);
    let header = 8;
    if (size === 1) {
      if (head.length < 16) return;
      size = u32(head, 8) * 2 ** 32 + u32(head, 12);
      header = 16;
    } else if (size === 0) size = end - at; // to the end of the parent
    if (size < header) return;
    const boxEnd = Math.min(end, at + size);
    yield { type: fourcc(head, 4), body: at + header, end: boxEnd };
    at = boxEnd;
  }
}

async function isoBmff(src: ByteSource, budget: Budget): Promise<Dimensions | null> {
  for await (const top of boxes(src, 0, src.size, budget)) {
    if (top.type !== 'moov') continue;
    for await (const trak of boxes(src, top.body, top.end, budget)) {
      if (trak.type !== 'trak') continue;
      for await (const box of boxes(src, trak.body, trak.end, budget)) {
        if (box.type !== 'tkhd') continue;
        const size = await tkhd(src, box);
        if (size) return size;
      }
    }
    return null;
  }
  return null;
}

/** tkhd: version, flags, times (32 or 64 bits), ..., matrix (9 x 32 bits), width, height (16.16). */
async function tkhd(src: ByteSource, box: Box): Promise<Dimensions | null> {
  const b = await src.read(box.body, Math.min(MAX_FIELD, box.end - box.body));
  const matrixAt = b[0] === 1 ? 4 + 32 + 16 : 4 + 20 + 16;
  if (b.length < matrixAt + 44) return null;
  const width = Math.round(u32(b, matrixAt + 36) / 65536);
  const height = Math.round(u32(b, matrixAt + 40) / 65536);
  if (!width || !height) return null; // an audio track
  // a and d (the diagonal) zero: a quarter turn, shown with width and height swapped.
  const quarterTurn = u32(b, matrixAt) === 0 && u32(b, matrixAt + 16) === 0;
  return quarterTurn ? { width: height, height: width } : { width, height };
}

// ---- WebM / Matroska --------------------------------------------------------------------------

const EBML = 0x1a45dfa3;
const SEGMENT = 0x18538067;
const TRACKS = 0x1654ae6b;
const TRACK_ENTRY = 0xae;
const VIDEO = 0xe0;
const PIXEL_WIDTH = 0xb0;
const PIXEL_HEIGHT = 0xba;
const DISPLAY_WIDTH = 0x54b0;
const DISPLAY_HEIGHT = 0x54ba;
const DISPLAY_UNIT = 0x54b2;
const CLUSTER = 0x1f43b675;

interface Element {
  id: number;
  body: number;
  end: number;
}

/** A variable-length integer at `at`: its length and value (`keepMarker` for ids). */
function vint(b: Uint8Array, at: number, keepMarker: boolean): { length: number; value: number; unknown: boolean } | null {
  const first = b[at];
  if (first === undefined || first === 0) return null;
  const length = Math.clz32(first) - 23; // 1..8
  if (at + length > b.length) return null;
  let value = keepMarker ? first : first & (0xff >> length);
  let allOnes = value === 0xff >> length;
  for (let i = 1; i < length; i++) {
    value = value * 256 + b[at + i]!;
    allOnes &&= b[at + i] === 0xff;
  }
  return { length, value, unknown: !keepMarker && allOnes };
}

async function* elements(src: ByteSource, start: number, end: number, budget: Budget): AsyncGenerator<Element> {
  let at = start;
  while (at < end && budget.steps-- > 0) {
    const head = await src.read(at, 12);
    const id = vint(head, 0, true);
    if (!id || id.length > 4) return;
    const size = vint(head, id.length, false);
    if (!size) return;
    const body = at + id.length + size.length;
    // Unknown size (live recordings: MediaRecorder's Segment and Clusters): up to the parent's end.
    const elementEnd = size.unknown ? end : Math.min(end, body + size.value);
    if (body > end) return;
    yield { id: id.value, body, end: elementEnd };
    if (size.unknown && id.value === CLUSTER) return; // media follows; the tracks come before it
    at = elementEnd;
  }
}

async function uint(src: ByteSource, el: Element): Promise<number | null> {
  const n = el.end - el.body;
  if (n < 1 || n > 8) return null;
  const b = await src.read(el.body, n);
  if (b.length < n) return null;
  let v = 0;
  for (const byte of b) v = v * 256 + byte;
  return v;
}

async function matroska(src: ByteSource, budget: Budget): Promise<Dimensions | null> {
  let sawHeader = false;
  for await (const top of elements(src, 0, src.size, budget)) {
    if (top.id === EBML) sawHeader = true;
    if (top.id !== SEGMENT || !sawHeader) continue;
    for await (const child of elements(src, top.body, top.end, budget)) {
      if (child.id === CLUSTER) return null;
      if (child.id !== TRACKS) continue;
      for await (const entry of elements(src, child.body, child.end, budget)) {
        if (entry.id !== TRACK_ENTRY) continue;
        for await (const video of elements(src, entry.body, entry.end, budget)) {
          if (video.id !== VIDEO) continue;
          const got = new Map<number, number | null>();
          for await (const field of elements(src, video.body, video.end, budget)) {
            if ([PIXEL_WIDTH, PIXEL_HEIGHT, DISPLAY_WIDTH, DISPLAY_HEIGHT, DISPLAY_UNIT].includes(field.id)) got.set(field.id, await uint(src, field));
          }
          const dw = got.get(DISPLAY_WIDTH);
          const dh = got.get(DISPLAY_HEIGHT);
          if (dw && dh && !got.get(DISPLAY_UNIT)) return { width: dw, height: dh };
          const pw = got.get(PIXEL_WIDTH);
          const ph = got.get(PIXEL_HEIGHT);
          if (pw && ph) return { width: pw, height: ph };
        }
      }
      return null;
    }
    return null;
  }
  return null;
}
