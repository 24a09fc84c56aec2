/**
 * Receives one uploaded part into a temporary file, never holding it whole in memory. The type
 * is sniffed from the first bytes (file-type), and the size limit for that type is enforced while
 * the bytes arrive: the first byte over the limit stops the transfer and removes the temp file.
 */
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { fileTypeFromBuffer } from 'file-type';
import { AppError } from '../lib/errors.js';

/** file-type reads at most this many bytes to decide. */
const SNIFF_BYTES = 4100;

export interface SniffedType {
  mime: string;
  ext: string;
}

export interface ReceivedFile {
  path: string;
  size: number;
  /** What the bytes are, or undefined when file-type does not recognise them (text, SVG, HTML...). */
  type: SniffedType | undefined;
}

export const fileTooLarge = (max: number) =>
  new AppError(413, 'FILE_TOO_LARGE', `The file is larger than ${formatBytes(max)}`);

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${Math.round((n / 1024 / 1024) * 10) / 10} MiB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KiB`;
  return `${n} bytes`;
}

/**
 * Streams `source` to a new file in `dir`. `limitFor` gives the largest size allowed for the
 * sniffed type. On any failure the temp file is gone before the error is thrown.
 */
export async function receiveToTemp(source: Readable, dir: string, limitFor: (type: SniffedType | undefined) => number): Promise<ReceivedFile> {
  const file = path.join(dir, `${randomBytes(12).toString('hex')}.upload`);
  const out = createWriteStream(file, { flags: 'wx', mode: 0o600 });
  // Always listened to: a write the file system completes after the stream was destroyed (the
  // client went away mid-upload) emits 'error', which would otherwise take the process down.
  let failed: Error | undefined;
  out.on('error', (err) => {
    failed ??= err;
  });
  let size = 0;
  let head: Buffer[] = [];
  let headBytes = 0;
  let type: SniffedType | undefined;
  let limit = -1;
  const write = async (chunk: Buffer) => {
    size += chunk.length;
    if (size > limit) throw fileTooLarge(limit);
    if (failed) throw failed;
    if (!out.write(chunk)) await once(out, 'drain');
  };
  const decide = async () => {
    const first = Buffer.concat(head);
    head = [];
    const found = first.length ? await fileTypeFromBuffer(first) : undefined;
    type = found ? { mime: found.mime, ext: found.ext } : undefined;
    limit = limitFor(type);
    await write(first);
  };
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      if (limit < 0) {
        head.push(chunk);
        headBytes += chunk.length;
        if (headBytes >= SNIFF_BYTES) await decide();
      } else await write(chunk);
    }
    if (limit < 0) await decide();
    out.end();
    await once(out, 'close');
    return { path: file, size, type };
  } catch (err) {
    out.destroy();
    source.destroy();
    await rm(file, { force: true });
    throw err;
  }
}
