/** POST /api/uploads: the type from the bytes, re-encoding without metadata, limits, errors. */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { register, startServer, type Account, type TestServer } from './helpers.js';
import { mp4Of, webmOf } from './video-files.js';
import { animatedGif, fakeMp4, fetchBytes, jpegWithGps, pngBomb, solidImage, upload, uploadOk } from './file-helpers.js';

let server: TestServer;
let alice: Account;

beforeAll(async () => {
  server = await startServer({ IMAGE_MAX_BYTES: String(200 * 1024), FILE_MAX_BYTES: String(300 * 1024), IMAGE_MAX_PIXELS: '40000000', UPLOADS_PER_MINUTE: '1000' });
  alice = await register(server.app);
}, 180_000);
afterAll(async () => server?.close(), 180_000);

describe('images', () => {
  it('a JPEG with EXIF GPS comes back auto-oriented and without any metadata, with a WebP thumbnail', async () => {
    const original = await jpegWithGps(80, 40);
    const before = await sharp(original).metadata();
    expect(before.exif?.toString('latin1')).toContain('Spy 3000');
    expect(before.orientation).toBe(6);
    const att = await uploadOk(server.url, alice, { bytes: original, name: 'holiday.jpeg', type: 'image/jpeg' });
    expect(att).toMatchObject({ kind: 'image', mime: 'image/jpeg', name: 'holiday.jpg', width: 40, height: 80 });
    expect(att.url).toBe(`/api/files/${att.id}`);
    expect(att.thumbUrl).toBe(`/api/files/${att.id}/thumb`);
    const { res, bytes } = await fetchBytes(server.url, att.url, alice);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    const meta = await sharp(bytes).metadata();
    expect(meta.exif).toBeUndefined();
    expect(meta.orientation).toBeUndefined();
    expect([meta.width, meta.height]).toEqual([40, 80]);
    const thumb = await fetchBytes(server.url, att.thumbUrl!, alice);
    expect(thumb.res.headers.get('content-type')).toBe('image/webp');
    expect((await sharp(thumb.bytes).metadata()).format).toBe('webp');
  });

  it('PNG, WebP and AVIF are re-encoded (AVIF stored as WebP); an animated GIF keeps its frames', async () => {
    const png = await uploadOk(server.url, alice, { bytes: await solidImage('png'), name: 'a.png' });
    expect(png).toMatchObject({ mime: 'image/png', width: 64, height: 48 });
    const webp = await uploadOk(server.url, alice, { bytes: await solidImage('webp'), name: 'b.webp' });
    expect(webp).toMatchObject({ mime: 'image/webp' });
    const avif = await uploadOk(server.url, alice, { bytes: await solidImage('avif'), name: 'c.avif' });
    expect(avif).toMatchObject({ mime: 'image/webp', name: 'c.webp', width: 64, height: 48 });
    const gif = await uploadOk(server.url, alice, { bytes: await animatedGif(3, 32), name: 'anim.gif' });
    expect(gif).toMatchObject({ mime: 'image/gif', width: 32, height: 32 });
    const { bytes } = await fetchBytes(server.url, gif.url, alice);
    expect((await sharp(bytes, { animated: true }).metadata()).pages).toBe(3);
  });

  it('the type comes from the bytes: a PNG named .gif is a PNG', async () => {
    const att = await uploadOk(server.url, alice, { bytes: await solidImage('png'), name: 'lies.gif', type: 'image/gif' });
    expect(att).toMatchObject({ kind: 'image', mime: 'image/png', name: 'lies.png' });
  });

  it('refuses a decompression bomb, a truncated image and HEIC with clear 4xx', async () => {
    const bomb = pngBomb();
    expect(bomb.length).toBeLessThan(200 * 1024);
    const refusedBomb = await upload(server.url, alice, { bytes: bomb, name: 'bomb.png' });
    expect(refusedBomb.status).toBe(413);
    expect(refusedBomb.body).toMatchObject({ code: 'FILE_TOO_LARGE', message: expect.stringMatching(/pixels/) });

    const whole = await solidImage('jpeg', 300, 300);
    const truncated = await upload(server.url, alice, { bytes: whole.subarray(0, Math.floor(whole.length / 2)), name: 'cut.jpg' });
    expect(truncated.status).toBe(415);
    expect(truncated.body).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', message: expect.stringMatching(/decoded/) });

    // ftyp box with the heic brand: what an iPhone sends.
    const heic = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypheic'), Buffer.from([0, 0, 0, 0]), Buffer.from('mif1heic'), Buffer.alloc(200)]);
    const refusedHeic = await upload(server.url, alice, { bytes: heic, name: 'IMG_0001.HEIC' });
    expect(refusedHeic.status).toBe(415);
    expect(refusedHeic.body.message).toMatch(/HEIC/);
  });
});

describe('other files', () => {
  it('an HTML file named .png and an SVG are stored as downloads, never served inline', async () => {
    const html = await uploadOk(server.url, alice, { bytes: Buffer.from('<html><script>alert(1)</script></html>'), name: 'cat.png', type: 'image/png' });
    expect(html).toMatchObject({ kind: 'file', width: null, height: null, thumbUrl: null });
    const svg = await uploadOk(server.url, alice, {
      bytes: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="10" height="10"/></svg>'),
      name: 'logo.svg',
      type: 'image/svg+xml',
    });
    expect(svg.kind).toBe('file');
    for (const att of [html, svg]) {
      const { res } = await fetchBytes(server.url, att.url, alice);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/octet-stream');
      expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename=/);
      expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; sandbox");
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });

  it('a video is stored as it is, with the poster re-encoded as its thumbnail and its size', async () => {
    const video = fakeMp4();
    const res = await upload(server.url, alice, { bytes: video, name: 'clip.mp4' }, { thumb: { bytes: await jpegWithGps(64, 36), name: 'poster.jpg' } });
    expect(res.status).toBe(201);
    expect(res.body.upload).toMatchObject({ kind: 'video', mime: 'video/mp4', size: expect.any(Number), width: 36, height: 64 });
    const { bytes, res: got } = await fetchBytes(server.url, res.body.upload!.url, alice);
    expect(got.headers.get('content-disposition')).toMatch(/^inline/);
    expect(bytes.equals(video)).toBe(true);
    const thumb = await fetchBytes(server.url, res.body.upload!.thumbUrl!, alice);
    expect((await sharp(thumb.bytes).metadata()).exif).toBeUndefined();
  });

  it("a video's size comes from its container (MP4 tkhd, WebM PixelWidth), not from the browser's poster", async () => {
    const poster = { thumb: { bytes: await solidImage('png', 64, 36), name: 'poster.png' } };
    const mp4 = await upload(server.url, alice, { bytes: mp4Of(1280, 720), name: 'clip.mp4' }, poster);
    expect(mp4.status).toBe(201);
    expect(mp4.body.upload).toMatchObject({ kind: 'video', mime: 'video/mp4', width: 1280, height: 720, thumbUrl: expect.any(String) });
    const webm = await upload(server.url, alice, { bytes: webmOf(640, 480), name: 'clip.webm' });
    expect(webm.status).toBe(201);
    expect(webm.body.upload).toMatchObject({ kind: 'video', mime: 'video/webm', width: 640, height: 480 });
    // A damaged header is no size; the upload itself still succeeds.
    const broken = mp4Of(1280, 720).subarray(0, 2100);
    const damaged = await upload(server.url, alice, { bytes: broken, name: 'cut.mp4' });
    expect(damaged.status).toBe(201);
    expect(damaged.body.upload).toMatchObject({ kind: 'video', width: null, height: null });
  });

  it('refuses a zero-byte file, a missing part and a JSON body', async () => {
    const empty = await upload(server.url, alice, { bytes: Buffer.alloc(0), name: 'empty.txt' });
    expect(empty).toMatchObject({ status: 400, body: { code: 'VALIDATION', message: 'The file is empty' } });
    const form = new FormData();
    form.append('other', 'x');
    const missing = await fetch(`${server.url}/api/uploads`, { method: 'POST', body: form, headers: alice.headers });
    expect(missing.status).toBe(400);
    const json = await server.app.inject({ method: 'POST', url: '/api/uploads', headers: alice.headers, payload: { file: 'x' } });
    expect(json.statusCode).toBe(415);
    expect(json.json()).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
  });

  it('a file over the limit is stopped early: 413 FILE_TOO_LARGE and nothing left on disk', async () => {
    const tempDir = path.join(server.config.dataDir, 'upload-tmp');
    const filesDir = path.join(server.config.dataDir, 'files');
    const before = readdirSync(filesDir).length;
    const res = await upload(server.url, alice, { bytes: Buffer.alloc(5 * 1024 * 1024, 1), name: 'big.bin' }).catch((err: Error) => ({ status: -1, body: { message: err.message } }));
    // The server answers and closes the connection without reading the rest; the client may
    // see the answer or only the closed socket, but never a stored file.
    if (res.status !== -1) expect(res).toMatchObject({ status: 413, body: { code: 'FILE_TOO_LARGE' } });
    expect(readdirSync(tempDir)).toEqual([]);
    expect(readdirSync(filesDir).length).toBe(before);
    expect(readdirSync(path.join(filesDir, '.tmp'))).toEqual([]);
  });

  it('anonymous uploads are refused with 401', async () => {
    const res = await upload(server.url, null, { bytes: await solidImage('png'), name: 'a.png' });
    expect(res.status).toBe(401);
  });
});
