/**
 * Images the seed makes itself (nothing downloaded): a coloured square with initials, drawn from
 * an SVG by sharp and stored as an avatar or room image like an uploaded one.
 */
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import sharp from 'sharp';
import type { UploadRow } from '../db/schema.js';
import type { UploadsRepository } from '../repositories/uploads-repository.js';
import type { FileStorage } from '../storage/file-storage.js';
import { SQUARE_PX } from './image-processor.js';

const escapeXml = (s: string) => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A SQUARE_PX WebP: `initials` (one or two letters) in white on `color`. */
export async function initialsImage(initials: string, color: string): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${SQUARE_PX}" height="${SQUARE_PX}">
    <rect width="100%" height="100%" fill="${escapeXml(color)}"/>
    <text x="50%" y="50%" dy="0.35em" text-anchor="middle" font-family="sans-serif" font-size="110" font-weight="bold" fill="#fff">${escapeXml(initials)}</text>
  </svg>`;
  return sharp(Buffer.from(svg)).webp({ quality: 90 }).toBuffer();
}

/** Stores `image` (a WebP) as an already-claimed avatar or room image of `ownerId`. */
export async function storeSquareImage(
  storage: FileStorage,
  uploads: UploadsRepository,
  ownerId: string,
  purpose: 'avatar' | 'room_image',
  image: Buffer,
): Promise<UploadRow> {
  const id = randomUUID();
  await storage.put(id, Readable.from([image]), image.length, 'image/webp');
  return uploads.insert({
    id,
    ownerId,
    purpose,
    kind: 'image',
    name: `${purpose}.webp`,
    mime: 'image/webp',
    size: image.length,
    width: SQUARE_PX,
    height: SQUARE_PX,
    storageKey: id,
    claimedAt: new Date(),
  });
}
