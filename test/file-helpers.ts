/** Real files made by the tests (sharp draws them) and a multipart upload over a real socket. */
import zlib from 'node:zlib';
import sharp from 'sharp';
import type { Attachment } from '../src/protocol.js';
import type { Account } from './helpers.js';

export async function solidImage(format: 'jpeg' | 'png' | 'gif' | 'webp' | 'avif', width = 64, height = 48): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: 200, g: 30, b: 90 } } })
    .toFormat(format)
    .toBuffer();
}

/** A JPEG carrying EXIF with GPS coordinates, a camera model and orientation 6 (rotate 90°). */
export async function jpegWithGps(width = 80, height = 40): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: 10, g: 120, b: 200 } } })
    .jpeg()
    .withExif({
      IFD0: { Make: 'TestCam', Model: 'Spy 3000' },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 2400/100', GPSLongitudeRef: 'E', GPSLongitude: '2/1 17/1 4000/100' },
    })
    .withMetadata({ orientation: 6 })
    .toBuffer();
}

/** An animated GIF of `frames` frames. */
export async function animatedGif(frames = 3, size = 32): Promise<Buffer> {
  const strips = await Promise.all(
    Array.from({ length: frames }, (_, i) =>
      sharp({ create: { width: size, height: size, channels: 3, background: { r: 80 * i, g: 40, b: 200 - 60 * i } } }).png().toBuffer(),
    ),
  );
  return sharp(strips, { join: { animated: true } }).gif().toBuffer();
}

/**
 * A decompression bomb: a valid 1-bit greyscale PNG of side x side pixels (100 megapixels by
 * default) whose all-zero rows deflate to a few KiB. Written by hand, chunk by chunk.
 */
export function pngBomb(side = 10_000): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(side, 0);
  ihdr.writeUInt32BE(side, 4);
  ihdr[8] = 1; // bit depth
  ihdr[9] = 0; // greyscale
  const raw = Buffer.alloc(side * (1 + Math.ceil(side / 8))); // filter byte 0 + zero pixels per row
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

/** The smallest valid ftyp box: file-type calls this an MP4. */
export function fakeMp4(extraBytes = 1000): Buffer {
  const ftyp = Buffer.from([0, 0, 0, 0x18, 0x66, 0x74, 0x79, 0x70, 0x69, 0x73, 0x6f, 0x6d, 0, 0, 2, 0, 0x69, 0x73, 0x6f, 0x6d, 0x6d, 0x70, 0x34, 0x31]);
  return Buffer.concat([ftyp, Buffer.alloc(extraBytes, 7)]);
}

export interface UploadAnswer {
  status: number;
  body: { upload?: Attachment; code?: string; message?: string; statusCode?: number };
}

/** POST /api/uploads with a real multipart body over HTTP. */
export async function upload(
  baseUrl: string,
  account: Pick<Account, 'headers'> | null,
  file: { bytes: Buffer; name: string; type?: string },
  extra: { thumb?: { bytes: Buffer; name: string }; path?: string; method?: string } = {},
): Promise<UploadAnswer> {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(file.bytes)], { type: file.type ?? 'application/octet-stream' }), file.name);
  if (extra.thumb) form.append('thumb', new Blob([new Uint8Array(extra.thumb.bytes)], { type: 'image/jpeg' }), extra.thumb.name);
  const res = await fetch(`${baseUrl}${extra.path ?? '/api/uploads'}`, { method: extra.method ?? 'POST', body: form, headers: account?.headers ?? {} });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : {} };
}

export async function uploadOk(baseUrl: string, account: Pick<Account, 'headers'>, file: { bytes: Buffer; name: string; type?: string }): Promise<Attachment> {
  const res = await upload(baseUrl, account, file);
  if (res.status !== 201) throw new Error(`upload failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.upload!;
}

export async function fetchBytes(baseUrl: string, url: string, account: Pick<Account, 'headers'> | null, headers: Record<string, string> = {}) {
  const res = await fetch(`${baseUrl}${url}`, { headers: { ...(account?.headers ?? {}), ...headers }, redirect: 'manual' });
  return { res, bytes: Buffer.from(await res.arrayBuffer()) };
}
