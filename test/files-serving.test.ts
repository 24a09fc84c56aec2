/** Serving headers, caching, quota, rate limit and start-up sweep on local disk; the same flow on S3 (s3rver). */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRoom, register, startServer, uniqueName, type Account, type TestServer } from './helpers.js';
import { fetchBytes, solidImage, upload, uploadOk } from './file-helpers.js';
import { startS3, type TestS3 } from './s3-server.js';

describe('local disk', () => {
  let server: TestServer;
  let alice: Account;
  beforeAll(async () => {
    server = await startServer({ UPLOAD_QUOTA_BYTES: String(64 * 1024), UPLOADS_PER_MINUTE: '8' });
    alice = await register(server.app);
  });
  afterAll(async () => server?.close());

  it('an image is inline with ETag, private immutable caching, nosniff and a sandboxing CSP; If-None-Match gives 304', async () => {
    const att = await uploadOk(server.url, alice, { bytes: await solidImage('png', 30, 20), name: 'élan vital.png' });
    const { res } = await fetchBytes(server.url, att.url, alice);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('private, max-age=31536000, immutable');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; sandbox");
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    expect(res.headers.get('content-disposition')).toBe(`inline; filename="_lan vital.png"; filename*=UTF-8''%C3%A9lan%20vital.png`);
    const etag = res.headers.get('etag')!;
    expect(etag).toBe(`"${att.id}"`);
    const again = await fetchBytes(server.url, att.url, alice, { 'if-none-match': etag });
    expect(again.res.status).toBe(304);
    expect(again.bytes.length).toBe(0);
  });

  it('quota: an upload that would pass it is refused with 507 QUOTA_EXCEEDED and stores nothing', async () => {
    const bob = await register(server.app, uniqueName('quota'));
    const noise = await sharp({ create: { width: 120, height: 120, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 60 } } }).png().toBuffer();
    expect(noise.length).toBeGreaterThan(32 * 1024);
    const first = await upload(server.url, bob, { bytes: noise, name: 'n1.png' });
    expect(first.status).toBe(201);
    const second = await upload(server.url, bob, { bytes: noise, name: 'n2.png' });
    expect(second).toMatchObject({ status: 507, body: { code: 'QUOTA_EXCEEDED' } });
    expect(await server.app.uploads.sweep(Date.now() + 2 * 86_400_000)).toBeGreaterThanOrEqual(1);
    // Once the unclaimed upload is swept, the space is back.
    expect((await upload(server.url, bob, { bytes: noise, name: 'n3.png' })).status).toBe(201);
  });

  it('rate: more than UPLOADS_PER_MINUTE uploads a minute get 429 RATE_LIMITED with retryAfterMs', async () => {
    const carol = await register(server.app, uniqueName('rate'));
    const png = await solidImage('png', 4, 4);
    const answers = [];
    for (let i = 0; i < 9; i++) answers.push(await upload(server.url, carol, { bytes: png, name: `${i}.png` }));
    expect(answers.slice(0, 8).every((a) => a.status === 201)).toBe(true);
    expect(answers[8]).toMatchObject({ status: 429, body: { code: 'RATE_LIMITED', retryAfterMs: expect.any(Number) } });
  });

  it('start-up sweeps what a crash left in the temp folders', async () => {
    const tempDir = path.join(server.config.dataDir, 'upload-tmp');
    const storageTemp = path.join(server.config.dataDir, 'files', '.tmp');
    mkdirSync(tempDir, { recursive: true });
    writeFileSync(path.join(tempDir, 'crash.upload'), 'half');
    writeFileSync(path.join(storageTemp, 'crash.part'), 'half');
    const again = await startServer({ DATA_DIR: server.config.dataDir });
    expect(existsSync(path.join(tempDir, 'crash.upload'))).toBe(false);
    expect(existsSync(path.join(storageTemp, 'crash.part'))).toBe(false);
    await again.close();
  });
});

describe('S3 (s3rver)', () => {
  let s3: TestS3;
  let server: TestServer;
  let alice: Account;
  beforeAll(async () => {
    s3 = await startS3();
    server = await startServer({ ...s3.env, S3_SIGNED_URL_SEC: '120' });
    alice = await register(server.app);
  });
  afterAll(async () => {
    await server?.close();
    await s3?.close();
  });

  it('checks access, then redirects (302) to a short-lived signed URL serving the re-encoded bytes', async () => {
    const att = await uploadOk(server.url, alice, { bytes: await solidImage('jpeg', 50, 40), name: 'cloud.jpg' });
    const { res } = await fetchBytes(server.url, att.url, alice);
    expect(res.status).toBe(302);
    const location = res.headers.get('location')!;
    expect(location).toMatch(/X-Amz-Expires=120/);
    expect(res.headers.get('cache-control')).toBe('private, max-age=60');
    const direct = await fetch(location);
    expect(direct.status).toBe(200);
    expect(direct.headers.get('content-type')).toBe('image/jpeg');
    expect((await sharp(Buffer.from(await direct.arrayBuffer())).metadata()).width).toBe(50);
    const thumb = await fetchBytes(server.url, att.thumbUrl!, alice);
    expect(thumb.res.status).toBe(302);
    // Nobody else gets a URL.
    const bob = await register(server.app);
    expect((await fetchBytes(server.url, att.url, bob)).res.status).toBe(404);
    expect((await fetchBytes(server.url, att.url, null)).res.status).toBe(404);
  });

  it('attachments, avatars and the sweeper work against the bucket', async () => {
    const { room } = await createRoom(server.app, alice);
    const att = await uploadOk(server.url, alice, { bytes: await solidImage('png', 10, 10), name: 's.png' });
    const sent = await server.app.inject({ method: 'POST', url: `/api/rooms/${room.id}/messages`, headers: alice.headers, payload: { clientMsgId: uniqueName('s'), body: '', attachmentIds: [att.id] } });
    expect(sent.statusCode).toBe(201);
    const avatar = await upload(server.url, alice, { bytes: await solidImage('webp', 400, 300), name: 'me.webp' }, { path: '/api/users/me/avatar', method: 'PUT' });
    expect(avatar.status).toBe(200);
    const loose = await uploadOk(server.url, alice, { bytes: await solidImage('png', 10, 10), name: 'loose.png' });
    expect(await server.app.storage.head(loose.id)).not.toBeNull();
    await server.app.uploads.sweep(Date.now() + 2 * 86_400_000);
    expect(await server.app.storage.head(loose.id)).toBeNull();
    expect(await server.app.storage.head(att.id)).not.toBeNull();
  });
});
