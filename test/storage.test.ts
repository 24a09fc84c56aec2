import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FileStorage } from '../src/storage/file-storage.js';
import { LocalStorage } from '../src/storage/local-storage.js';
import { S3Storage } from '../src/storage/s3-storage.js';
import { startS3, type TestS3 } from './s3-server.js';

let s3: TestS3;
let local: LocalStorage;
let remote: S3Storage;

beforeAll(async () => {
  s3 = await startS3();
  local = new LocalStorage(mkdtempSync(path.join(tmpdir(), 'rtchat-files-')));
  await local.init();
  remote = new S3Storage({
    bucket: s3.env.S3_BUCKET!,
    region: 'us-east-1',
    endpoint: s3.env.S3_ENDPOINT!,
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    forcePathStyle: true,
  });
});
afterAll(async () => {
  remote.close();
  await s3.close();
});

describe.each([
  ['local disk', () => local as FileStorage],
  ['S3 (s3rver)', () => remote as FileStorage],
])('storage on %s', (_name, storage) => {
  it('puts, heads, reads whole and by range, deletes', async () => {
    const store = storage();
    const body = 'hello, files of rtchat';
    await store.put('obj-1', Readable.from([Buffer.from(body)]), body.length, 'text/plain');
    expect(await store.head('obj-1')).toEqual({ size: body.length });
    expect(await text(await store.get('obj-1'))).toBe(body);
    expect(await text(await store.get('obj-1', { start: 7, end: 11 }))).toBe('files');
    await store.delete('obj-1');
    expect(await store.head('obj-1')).toBeNull();
    await store.delete('obj-1');
    await expect(store.get('obj-1')).rejects.toThrow();
  });

  it('refuses keys that are not server-made names', async () => {
    await expect(storage().put('../escape', Readable.from([]), 0, 'text/plain')).rejects.toThrow(/invalid storage key/);
    await expect(storage().head('a/b')).rejects.toThrow(/invalid storage key/);
  });
});

describe('local disk', () => {
  it('a write that fails part-way leaves nothing visible, and start-up sweeps crash leftovers', async () => {
    const failing = new Readable({
      read() {
        this.push(Buffer.alloc(1024));
        this.destroy(new Error('client went away'));
      },
    });
    await expect(local.put('half', failing, 4096, 'application/octet-stream')).rejects.toThrow();
    expect(await local.head('half')).toBeNull();
    expect(readdirSync(local.tempDir)).toEqual([]);
    // What a killed process leaves behind:
    writeFileSync(path.join(local.tempDir, 'crashed.part'), 'x');
    expect(await local.sweepTemp()).toBe(1);
    expect(readdirSync(local.tempDir)).toEqual([]);
  });

  it('a short body is refused, not stored', async () => {
    await expect(local.put('short', Readable.from([Buffer.from('abc')]), 10, 'text/plain')).rejects.toThrow(/3 bytes of 10/);
    expect(await local.head('short')).toBeNull();
  });
});

describe('S3', () => {
  it('signs a short-lived URL that serves the object with the given type and disposition', async () => {
    await remote.put('signed-1', Readable.from([Buffer.from('signed bytes')]), 12, 'text/plain');
    const url = await remote.signedUrl('signed-1', { expiresSec: 60, contentType: 'text/plain', contentDisposition: 'attachment; filename="a.txt"' });
    expect(url).toMatch(/X-Amz-Expires=60/);
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('signed bytes');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="a.txt"');
  });
});
