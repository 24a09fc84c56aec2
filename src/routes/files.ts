/**
 * Serving stored files: `GET /files/:fileId` and `/files/:fileId/thumb`.
 *
 * The access rule is the uploads repository's `readable` (db/schema.ts `uploads`); anyone it
 * refuses, anonymous included, gets the same 404 as for an id that does not exist, so ids cannot
 * be probed. Only images and videos are inline; everything else is a download served as
 * application/octet-stream, and every file carries nosniff and a sandboxing CSP, so nothing
 * uploaded can run as a page of this origin. With S3 the check is made here and the browser is
 * redirected to a short-lived signed URL.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AppError } from '../lib/errors.js';
import { Id } from '../protocol.js';
import type { UploadRow } from '../db/schema.js';
import type { ByteRange } from '../storage/file-storage.js';

export const FILE_CSP = "default-src 'none'; sandbox";
const IMMUTABLE = 'private, max-age=31536000, immutable';

const notFound = () => new AppError(404, 'NOT_FOUND', 'File not found');

/** `Content-Disposition` with an ASCII fallback and the exact UTF-8 name (RFC 6266 / 5987). */
export function contentDisposition(kind: 'inline' | 'attachment', name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

/**
 * One range of `Range: bytes=...` against `size`: the range, 'unsatisfiable', or null to send the
 * whole file (no header, a malformed one, or several ranges, which RFC 9110 lets us ignore).
 */
export function parseRange(header: string | undefined, size: number): ByteRange | 'unsatisfiable' | null {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size || start > end) return 'unsatisfiable';
  return { start, end };
}

const filesRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { repos, storage, config } = app;

  async function serve(request: FastifyRequest, reply: FastifyReply, fileId: string, thumb: boolean) {
    const auth = await app.resolveAuth(request);
    const found = await repos.uploads.readable(fileId, auth?.user.id ?? null);
    if (!found?.allowed) throw notFound();
    const upload: UploadRow = found.upload;
    const key = thumb ? upload.thumbKey : upload.storageKey;
    if (!key) throw notFound();
    const inline = thumb || upload.kind === 'image' || upload.kind === 'video';
    const contentType = thumb ? 'image/webp' : inline ? upload.mime : 'application/octet-stream';
    const disposition = contentDisposition(inline ? 'inline' : 'attachment', thumb ? `thumb-${upload.name}.webp` : upload.name);
    const etag = `"${upload.id}${thumb ? '-t' : ''}"`;
    reply.header('content-security-policy', FILE_CSP);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('cross-origin-resource-policy', 'same-origin');

    if (storage.kind === 's3') {
      const url = await storage.signedUrl(key, { expiresSec: config.files.signedUrlSec, contentType, contentDisposition: disposition });
      // The redirect may be reused only while its signature is valid.
      reply.header('cache-control', `private, max-age=${Math.floor(config.files.signedUrlSec / 2)}`);
      return reply.redirect(url!, 302);
    }

    reply.header('etag', etag);
    reply.header('cache-control', IMMUTABLE);
    reply.header('accept-ranges', 'bytes');
    const ifNoneMatch = request.headers['if-none-match'];
    if (ifNoneMatch && ifNoneMatch.split(',').some((t) => t.trim() === etag || t.trim() === '*')) return reply.code(304).send();
    const head = await storage.head(key);
    if (!head) {
      request.log.error({ uploadId: upload.id, key }, 'stored file is missing');
      throw notFound();
    }
    const range = parseRange(request.headers.range, head.size);
    if (range === 'unsatisfiable') {
      reply.header('content-range', `bytes */${head.size}`);
      throw new AppError(416, 'VALIDATION', 'The requested range is outside the file');
    }
    reply.header('content-disposition', disposition);
    reply.type(contentType);
    if (range) {
      reply.code(206);
      reply.header('content-range', `bytes ${range.start}-${range.end}/${head.size}`);
      reply.header('content-length', range.end - range.start + 1);
      return reply.send(await storage.get(key, range));
    }
    reply.header('content-length', head.size);
    return reply.send(await storage.get(key));
  }

  const Params = Type.Object({ fileId: Id });
  const schema = { tags: ['files'], params: Params, produces: ['application/octet-stream'] };
  // Bytes are sent as they are stored (images and video do not compress; ranges must stay exact).
  app.get('/files/:fileId', { schema, compress: false }, (request, reply) => serve(request, reply, request.params.fileId, false));
  app.get('/files/:fileId/thumb', { schema, compress: false }, (request, reply) => serve(request, reply, request.params.fileId, true));
};

export default filesRoutes;
