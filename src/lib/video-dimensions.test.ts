/**
 * Video dimensions from container headers: minimal but valid MP4 and WebM files built here box by
 * box and element by element, then truncated, mutated and random bytes, which must never throw,
 * loop or read without bound.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { audioEntry, box, cluster, ebmlHeader, el, ftyp, largeBox, mdat, moov, open, QUARTER_TURN, tkhd, trak, u32, uint, videoEntry, webm } from '../../test/video-files.js';
import { bufferSource, MAX_STEPS, readVideoDimensions, videoDimensions, type ByteSource } from './video-dimensions.js';

const dims = (bytes: Buffer, mime: string) => videoDimensions(bufferSource(bytes), mime);

describe('MP4 / MOV', () => {
  it('reads tkhd of the video track, skipping an audio track and an mdat before moov', async () => {
    const file = Buffer.concat([ftyp, mdat(5000), moov(trak(tkhd(0, 0)), trak(tkhd(1280, 720)))]);
    expect(await dims(file, 'video/mp4')).toEqual({ width: 1280, height: 720 });
  });

  it('reads version-1 tkhd, 64-bit box sizes, fractional 16.16 sizes and a quarter-turn matrix', async () => {
    expect(await dims(Buffer.concat([ftyp, moov(trak(tkhd(640, 360, { version: 1 })))]), 'video/mp4')).toEqual({ width: 640, height: 360 });
    expect(await dims(Buffer.concat([ftyp, largeBox('mdat', Buffer.alloc(300)), moov(trak(tkhd(853.33, 480)))]), 'video/mp4')).toEqual({ width: 853, height: 480 });
    expect(await dims(Buffer.concat([ftyp, moov(trak(tkhd(1920, 1080, { matrix: QUARTER_TURN })))]), 'video/mp4')).toEqual({ width: 1080, height: 1920 });
  });

  it('answers null without a moov, without a video track, or with a zero-size last box', async () => {
    expect(await dims(Buffer.concat([ftyp, mdat(100)]), 'video/mp4')).toBeNull();
    expect(await dims(Buffer.concat([ftyp, moov(trak(tkhd(0, 0)))]), 'video/mp4')).toBeNull();
    const toEnd = Buffer.concat([ftyp, u32(0), Buffer.from('mdat'), Buffer.alloc(200)]);
    expect(await dims(toEnd, 'video/mp4')).toBeNull();
  });

  it('reads a file from disk by offsets (moov after a large mdat)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rtchat-video-'));
    const file = path.join(dir, 'v.mp4');
    writeFileSync(file, Buffer.concat([ftyp, mdat(3_000_000), moov(trak(tkhd(320, 240)))]));
    expect(await readVideoDimensions(file, 'video/mp4')).toEqual({ width: 320, height: 240 });
    expect(await readVideoDimensions(path.join(dir, 'missing.mp4'), 'video/mp4')).toBeNull();
  });
});

describe('WebM / Matroska', () => {
  it('reads PixelWidth/PixelHeight of the video track, after an audio track, in an unknown-size Segment', async () => {
    expect(await dims(webm(audioEntry, videoEntry(uint(0xb0, 640), uint(0xba, 480))), 'video/webm')).toEqual({ width: 640, height: 480 });
  });

  it('prefers DisplayWidth/DisplayHeight in pixels; ignores them in another unit', async () => {
    const video = [uint(0xb0, 720), uint(0xba, 576), uint(0x54b0, 1024), uint(0x54ba, 576)];
    expect(await dims(webm(videoEntry(...video)), 'video/webm')).toEqual({ width: 1024, height: 576 });
    expect(await dims(webm(videoEntry(...video, uint(0x54b2, 3))), 'video/webm')).toEqual({ width: 720, height: 576 });
  });

  it('answers null without a video track, without the EBML header, or when a cluster comes first', async () => {
    expect(await dims(webm(audioEntry), 'video/webm')).toBeNull();
    const noHeader = webm(videoEntry(uint(0xb0, 640), uint(0xba, 480))).subarray(ebmlHeader.length);
    expect(await dims(noHeader, 'video/webm')).toBeNull();
    const clusterFirst = Buffer.concat([ebmlHeader, open(0x18538067, cluster, el(0x1654ae6b, videoEntry(uint(0xb0, 640), uint(0xba, 480))))]);
    expect(await dims(clusterFirst, 'video/webm')).toBeNull();
  });
});

describe('hostile bytes', () => {
  /** A source that counts reads and the bytes asked for. */
  function counting(bytes: Buffer): ByteSource & { reads: number } {
    const inner = bufferSource(bytes);
    const src = {
      size: bytes.length,
      reads: 0,
      read: (offset: number, length: number) => {
        src.reads++;
        expect(length).toBeLessThanOrEqual(256);
        return inner.read(offset, length);
      },
    };
    return src;
  }
  const samples: [Buffer, string][] = [
    [Buffer.concat([ftyp, mdat(64), moov(trak(tkhd(0, 0)), trak(tkhd(1280, 720, { version: 1 })))]), 'video/mp4'],
    [webm(audioEntry, videoEntry(uint(0xb0, 640), uint(0xba, 480))), 'video/webm'],
  ];

  const check = async (bytes: Buffer, mime: string) => {
    const src = counting(bytes);
    const got = await videoDimensions(src, mime);
    if (got) {
      expect(Number.isInteger(got.width) && got.width >= 1 && got.width <= 65535).toBe(true);
      expect(Number.isInteger(got.height) && got.height >= 1 && got.height <= 65535).toBe(true);
    }
    expect(src.reads).toBeLessThanOrEqual(2 * MAX_STEPS);
  };

  it('never throws on any truncation of a valid file', async () => {
    for (const [bytes, mime] of samples) {
      for (let n = 0; n < bytes.length; n++) await check(bytes.subarray(0, n), mime);
    }
  });

  it('never throws, loops or reads without bound on mutated and random bytes', async () => {
    for (const [bytes, mime] of samples) {
      for (let round = 0; round < 400; round++) {
        const copy = Buffer.from(bytes);
        const flips = 1 + (round % 8);
        for (let i = 0; i < flips; i++) copy[Math.floor(Math.random() * copy.length)] = Math.floor(Math.random() * 256);
        await check(copy, mime);
      }
    }
    for (let round = 0; round < 300; round++) {
      const bytes = randomBytes(1 + Math.floor(Math.random() * 600));
      await check(bytes, 'video/mp4');
      await check(bytes, 'video/webm');
    }
  });

  it('stays bounded on crafted sizes: huge, zero, self-referential, and 20,000 tiny boxes', async () => {
    await check(Buffer.concat([u32(0xffffffff), Buffer.from('moov'), trak(tkhd(10, 10))]), 'video/mp4');
    await check(Buffer.concat([u32(1), Buffer.from('moov'), Buffer.alloc(8, 0xff)]), 'video/mp4');
    await check(Buffer.concat([u32(4), Buffer.from('moov')]), 'video/mp4');
    const tiny = Buffer.concat(Array.from({ length: 20_000 }, () => box('free')));
    await check(tiny, 'video/mp4');
    await check(Buffer.concat([ebmlHeader, open(0x18538067, Buffer.alloc(20_000, 0xec))]), 'video/webm');
    await check(Buffer.concat([ebmlHeader, Buffer.from([0x18, 0x53, 0x80, 0x67, 0xff])]), 'video/webm');
    // A side over 65535 is no size.
    expect(await dims(webm(videoEntry(uint(0xb0, 640), el(0xba, Buffer.from([1, 0, 0, 0])))), 'video/webm')).toBeNull();
  });
});
