/**
 * Security headers on every response, by @fastify/helmet, and `Cache-Control: no-store` on the API.
 *
 * The CSP: the SPA loads only its own scripts and styles (Tailwind's inline style attributes need
 * 'unsafe-inline' for styles only), talks only to its own origin ('self' covers same-origin ws:
 * and wss: in current browsers), shows images from itself, data: and blob: URLs (and media from itself and blob:); messages are
 * text, never markup, so nothing else is needed. No `upgrade-insecure-requests` (helmet's default):
 * a LAN install on plain http would break. No HSTS either: TLS ends at the proxy, which owns it.
 */
import fp from 'fastify-plugin';
import fastifyHelmet from '@fastify/helmet';

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

export default fp(
  async (app) => {
    await app.register(fastifyHelmet, {
      contentSecurityPolicy: { useDefaults: false, directives: CSP_DIRECTIVES },
      frameguard: { action: 'deny' },
      referrerPolicy: { policy: 'same-origin' },
      strictTransportSecurity: false,
    });
    // Helmet has no rule per path: API answers (login and register carry the session token) are
    // never stored by a browser or a shared cache.
    app.addHook('onSend', async (request, reply, payload) => {
      if (request.url.startsWith('/api/') && !reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
      return payload;
    });
  },
  { name: 'security-headers' },
);
