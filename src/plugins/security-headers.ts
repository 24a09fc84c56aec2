/**
 * Security headers on every response, as helmet sets them, and `Cache-Control: no-store` on the API.
 * helmet's headers depend only on its options, so they are computed once at start-up and each
 * request just gets them (@fastify/helmet built helmet's whole middleware, CSP parsing included,
 * anew for every request: about 80 us per request, upgrades included).
 *
 * The CSP: the SPA loads only its own scripts and styles (Tailwind's inline style attributes need
 * 'unsafe-inline' for styles only), talks only to its own origin ('self' covers same-origin ws:
 * and wss: in current browsers), shows images from itself, data: and blob: URLs (and media from itself and blob:); messages are
 * text, never markup, so nothing else is needed. No `upgrade-insecure-requests` (helmet's default):
 * a LAN install on plain http would break. No HSTS either: TLS ends at the proxy, which owns it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import fp from 'fastify-plugin';
import helmet, { type HelmetOptions } from 'helmet';

const CSP_DIRECTIVES = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'", "'unsafe-inline'"],
  imgSrc: ["'self'", 'data:', 'blob:'],
  // The composer reads a local video (blob:) to draw its poster frame before uploading it.
  mediaSrc: ["'self'", 'blob:'],
  connectSrc: ["'self'"],
  fontSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};

const HELMET_OPTIONS: HelmetOptions = {
  contentSecurityPolicy: { useDefaults: false, directives: CSP_DIRECTIVES },
  frameguard: { action: 'deny' },
  referrerPolicy: { policy: 'same-origin' },
  strictTransportSecurity: false,
};

/** The headers helmet's middleware sets for `options`, read off it once. */
export function helmetHeaders(options: HelmetOptions): [string, string][] {
  const headers: [string, string][] = [];
  const res = {
    setHeader: (name: string, value: unknown) => headers.push([name, String(value)]),
    removeHeader: () => undefined,
    getHeader: () => undefined,
  };
  let failed: unknown;
  helmet(options)({ headers: {} } as IncomingMessage, res as unknown as ServerResponse, (err?: unknown) => (failed = err));
  if (failed) throw failed;
  return headers;
}

export default fp(
  async (app) => {
    const headers = helmetHeaders(HELMET_OPTIONS);
    // On the raw response, as helmet does: a route's own header of the same name still wins.
    app.addHook('onRequest', (request, reply, done) => {
      for (const [name, value] of headers) reply.raw.setHeader(name, value);
      done();
    });
    // API answers (login and register carry the session token) are never stored by a browser or
    // a shared cache.
    app.addHook('onSend', async (request, reply, payload) => {
      if (request.url.startsWith('/api/') && !reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
      return payload;
    });
  },
  { name: 'security-headers' },
);
