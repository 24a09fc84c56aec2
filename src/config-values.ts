/**
 * Parsers for the configuration values that need more than a number check: who to trust as a
 * proxy, and whether a session secret is strong enough. Each reports what is wrong as a message
 * for ConfigError, which lists every bad variable at once.
 */
import { isIP } from 'node:net';

/** `false`, a hop count, or a list of proxy addresses/CIDRs (the forms Fastify's `trustProxy` takes). */
export type TrustProxy = false | number | string[];

/** proxy-addr's names for address ranges, accepted in a TRUST_PROXY list. */
const PROXY_RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/**
 * TRUST_PROXY: `false` (default), a hop count, or a comma-separated list of proxy addresses/CIDRs.
 * `true` is refused rather than mapped to one hop: "trust everything" made the leftmost,
 * client-written X-Forwarded-For entry the client IP, and guessing a hop count for the operator
 * could count every user as the CDN in front of nginx. The operator states the topology.
 */
export function parseTrustProxy(raw: string | undefined, problems: string[]): TrustProxy {
  const value = raw?.trim().toLowerCase() ?? '';
  if (value === '' || value === 'false' || value === '0' || value === 'no' || value === 'off') return false;
  if (value === 'true' || value === 'yes' || value === 'on') {
    problems.push(
      'TRUST_PROXY=true is no longer accepted: trusting every hop lets a client fake its IP with X-Forwarded-For. ' +
        'Set the number of proxies in front of RtChat (TRUST_PROXY=1 for one nginx), or their addresses/CIDRs (TRUST_PROXY=10.0.0.5,10.0.1.0/24), or false',
    );
    return false;
  }
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    if (hops > 10) problems.push(`TRUST_PROXY hop count must be at most 10, got ${hops}`);
    return hops;
  }
  const entries = value.split(',').map((e) => e.trim()).filter(Boolean);
  const bad = entries.filter((entry) => !PROXY_RANGE_NAMES.has(entry) && !isAddressOrCidr(entry));
  if (bad.length) {
    problems.push(`TRUST_PROXY must be false, a hop count, or a comma-separated list of IP addresses/CIDRs; not: ${bad.join(', ')}`);
    return false;
  }
  return entries;
}

function isAddressOrCidr(entry: string): boolean {
  const [address = '', bits, ...rest] = entry.split('/');
  const family = isIP(address);
  if (!family || rest.length) return false;
  if (bits === undefined) return true;
  return /^\d+$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
}

/** Below this many bits (length x empirical Shannon entropy per character) a secret is refused. */
const MIN_SECRET_BITS = 96;

/**
 * Why a SESSION_SECRET is too weak to sign sessions, or null. Besides the length, its estimated
 * entropy must reach MIN_SECRET_BITS: 32 spaces, "x" x 40 or a word repeated are refused, while
 * `openssl rand -hex 16` (about 117 bits by this estimate) or -base64 32 pass. A count of
 * distinct characters alone would refuse hex secrets, which have at most 16.
 */
export function secretProblem(secret: string): string | null {
  if (secret.length < 32) return `SESSION_SECRET must be at least 32 characters (got ${secret.length}); unset it to generate one in DATA_DIR`;
  if (secret.trim() === '' || estimatedBits(secret) < MIN_SECRET_BITS) {
    return 'SESSION_SECRET is too predictable (blank, repeated or few distinct characters); use a random one, e.g. `openssl rand -base64 48`, or unset it to generate one in DATA_DIR';
  }
  return null;
}

/** Fewest estimated bits of a METRICS_TOKEN (`openssl rand -hex 16` has about 117). */
const MIN_METRICS_TOKEN_BITS = 64;

/**
 * Why a METRICS_TOKEN cannot be used, or null: it must fit an `Authorization: Bearer` header
 * (RFC 6750 characters, no spaces), be at least 16 characters and not be predictable.
 */
export function metricsTokenProblem(token: string): string | null {
  if (!/^[A-Za-z0-9\-._~+/]+=*$/.test(token)) {
    return 'METRICS_TOKEN may only hold letters, digits and - . _ ~ + / (then = padding), with no spaces; e.g. `openssl rand -hex 24`';
  }
  if (token.length < 16) return `METRICS_TOKEN must be at least 16 characters (got ${token.length}); e.g. \`openssl rand -hex 24\``;
  if (estimatedBits(token) < MIN_METRICS_TOKEN_BITS) return 'METRICS_TOKEN is too predictable (repeated or few distinct characters); use a random one, e.g. `openssl rand -hex 24`';
  return null;
}

function estimatedBits(text: string): number {
  const counts = new Map<string, number>();
  for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  const n = [...text].length;
  let bitsPerChar = 0;
  for (const count of counts.values()) bitsPerChar -= (count / n) * Math.log2(count / n);
  return bitsPerChar * n;
}
