/**
 * The built web app (dist/public): hashed assets under /assets cached for a year, index.html for
 * every client-side route, and the contract's JSON 404 for everything else (the API, /ws, and
 * unknown files under /assets). Source maps (built `hidden`, for error reporting) are never served.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fp from 'fastify-plugin';
import fastifyStatic from '@fastify/static';
import { AppError } from '../lib/errors.js';

export const PUBLIC_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/public');

export interface SpaOptions {
  /** Where the built SPA lives (defaults to dist/public). Without an index.html only the 404 remains. */
  publicDir?: string;
}

export default fp<SpaOptions>(
  async (app, opts) => {
    const publicDir = opts.publicDir ?? PUBLIC_DIR;
    const hasSpa = existsSync(path.join(publicDir, 'index.html'));
    if (hasSpa) {
      await app.register(fastifyStatic, {
        root: publicDir,
        wildcard: false,
        index: false,
        allowedPath: (pathName) => !pathName.endsWith('.map'),
        setHeaders: (res, filePath) => {
          // Vite's hashed assets never change; everything else is revalidated.
          res.setHeader(
            'cache-control',
            filePath.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache',
          );
        },
        cacheControl: false,
      });
    }

    app.setNotFoundHandler(async (request, reply) => {
      const url = request.url.split('?')[0] ?? '';
      const isApi = url === '/api' || url.startsWith('/api/') || url === '/ws';
      // Client-side routes get the app; unknown static files under /assets stay 404.
      if (!isApi && hasSpa && (request.method === 'GET' || request.method === 'HEAD') && !url.startsWith('/assets/')) {
        reply.header('cache-control', 'no-cache');
        return reply.sendFile('index.html');
      }
      return reply.code(404).send(new AppError(404, 'NOT_FOUND', `Route ${request.method} ${url} not found`).toBody());
    });
  },
  { name: 'spa' },
);
