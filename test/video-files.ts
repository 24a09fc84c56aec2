/**
 * Minimal valid video containers built box by box (MP4/MOV) and element by element (WebM), for
 * the container-size parser (src/lib/video-dimensions.ts) and the upload tests. They hold no
 * decodable frames: only the structure a header reader walks.
 */

// ---- MP4 ---------------------------------------------------------------------------------------
export const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
};
export const box = (type: string, ...content: Buffer[]) => {
  const body = Buffer.concat(content);
  return Buffer.concat([u32(8 + body.length), Buffer.from(type, 'latin1'), body]);
};
/** A box with a 64-bit size (size field 1). */
export const largeBox = (type: string, body: Buffer) => {
  const size = Buffer.alloc(8);
  size.writeBigUInt64BE(BigInt(16 + body.length));
  return Buffer.concat([u32(1), Buffer.from(type, 'latin1'), size, body]);
};
export const IDENTITY = [0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000];
export const QUARTER_TURN = [0, 0x10000, 0, -0x10000, 0, 0, 0, 0, 0x40000000];

export function tkhd(width: number, height: number, { version = 0, matrix = IDENTITY } = {}): Buffer {
  const times = version === 1 ? Buffer.alloc(8 + 8 + 4 + 4 + 8) : Buffer.alloc(4 + 4 + 4 + 4 + 4);
  return box(
    'tkhd',
    Buffer.from([version, 0, 0, 3]),
    times,
    Buffer.alloc(8 + 2 + 2 + 2 + 2),
    Buffer.concat(matrix.map(u32)),
    u32(Math.round(width * 65536)),
    u32(Math.round(height * 65536)),
  );
}
export const ftyp = box('ftyp', Buffer.from('isom'), u32(0x200), Buffer.from('isommp41'));
export const mdat = (n: number) => box('mdat', Buffer.alloc(n, 0x5a));
export const trak = (...children: Buffer[]) => box('trak', ...children);
export const moov = (...traks: Buffer[]) => box('moov', box('mvhd', Buffer.alloc(100)), ...traks);

// ---- WebM --------------------------------------------------------------------------------------
/** An EBML element: id bytes as written (marker included), size as a minimal vint. */
export function el(id: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  const idBytes = Buffer.from(id.toString(16).padStart(id > 0xffffff ? 8 : id > 0xffff ? 6 : id > 0xff ? 4 : 2, '0'), 'hex');
  let len = 1;
  while (body.length >= 2 ** (7 * len) - 1) len++;
  const size = Buffer.alloc(len);
  let v = body.length;
  for (let i = len - 1; i >= 0; i--) {
    size[i] = v & 0xff;
    v = Math.floor(v / 256);
  }
  size[0]! |= 0x80 >> (len - 1);
  return Buffer.concat([idBytes, size, body]);
}
/** An element of unknown size (all ones, 8 bytes): what MediaRecorder writes for Segment and Cluster. */
export const open = (id: number, ...content: Buffer[]) => Buffer.concat([el(id).subarray(0, id > 0xffffff ? 4 : 1), Buffer.from([0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), ...content]);
export const uint = (id: number, n: number) => el(id, n > 255 ? Buffer.from([n >> 8, n & 0xff]) : Buffer.from([n]));
export const ebmlHeader = el(0x1a45dfa3, el(0x4282, Buffer.from('webm')), uint(0x4287, 4), uint(0x4285, 2));
export const info = el(0x1549a966, uint(0x2ad7b1, 1000000));
export const audioEntry = el(0xae, uint(0xd7, 1), uint(0x83, 2), el(0xe1, uint(0xb5, 48)));
export const videoEntry = (...video: Buffer[]) => el(0xae, uint(0xd7, 2), uint(0x83, 1), el(0x86, Buffer.from('V_VP8')), el(0xe0, ...video));
export const cluster = open(0x1f43b675, uint(0xe7, 0), el(0xa3, Buffer.alloc(500, 1)));
export const webm = (...tracks: Buffer[]) => Buffer.concat([ebmlHeader, open(0x18538067, info, el(0x1654ae6b, ...tracks), cluster)]);


/** An MP4 of `width` x `height` (an audio track first, media before the moov). */
export const mp4Of = (width: number, height: number) => Buffer.concat([ftyp, mdat(2000), moov(trak(tkhd(0, 0)), trak(tkhd(width, height)))]);
/** A WebM of `width` x `height`, as a browser records it (unknown-size Segment and Cluster). */
export const webmOf = (width: number, height: number) => webm(audioEntry, videoEntry(uint(0xb0, width), uint(0xba, height)));
