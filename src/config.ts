/**
 * Configuration from the environment, validated at boot. Every bad value gets its own message and
 * the process refuses to start, rather than half-working with a surprise default.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { LIMITS } from './protocol-constants.js';
import { metricsTokenProblem, parseTrustProxy, secretProblem, type TrustProxy } from './config-values.js';

export type { TrustProxy };
import { parseFilesConfig, type FilesConfig } from './config-files.js';
import { parseSessionsConfig, type SessionsConfig } from './config-sessions.js';

export type { FilesConfig };

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Limits {
  /** Largest WebSocket frame accepted (bytes); larger closes with 1009. */
  wsMaxFrameBytes: number;
  /** Message body length in characters (Unicode code points) after trimming. */
  messageMaxChars: number;
  /** Sends per second per user, HTTP and all their sockets together (token bucket refill), and the bucket size. */
  sendRatePerSec: number;
  sendBurst: number;
  /** Failed logins allowed per account and per IP within the window. */
  loginMaxFailures: number;
  /** Failed logins allowed per (account, IP) pair within the window: a peer is throttled before the account locks. */
  loginPeerMaxFailures: number;
  loginWindowMs: number;
  /** Password verifications in flight per account on one instance; more answer 429 at once. */
  loginMaxConcurrent: number;
  /** Invite-code attempts per user per minute, and per client address per minute (across accounts). */
  invitePerMinute: number;
  invitePerIpPerMinute: number;
  /** Rooms a user may create per hour. */
  roomCreatePerHour: number;
  /** Registrations per IP per hour. */
  registerPerHour: number;
  /** Guest accounts created per IP per hour. */
  guestCreatePerHour: number;
  /** The guests' send tier: sends per second and bucket size (below the full accounts' by default). */
  guestSendRatePerSec: number;
  guestSendBurst: number;
  /** Outgoing bytes a socket may have queued before ephemeral frames are dropped / it is closed. */
  wsSoftBufferBytes: number;
  wsHardBufferBytes: number;
  /** Most messages replayed on subscribe with sinceSeq; a larger gap answers recovered:false. */
  recoveryMaxMessages: number;
  /** How long after sending the author may edit a message, in seconds; 0 = always. */
  editWindowSec: number;
  /** Concurrent WebSocket connections per user and per client IP (across instances with Redis). */
  wsMaxPerUser: number;
  wsMaxPerIp: number;
}

export interface Config {
  files: FilesConfig;
  sessions: SessionsConfig;
  port: number;
  host: string;
  /** Connections the kernel holds completed but not yet accepted (a reconnect storm's burst). */
  listenBacklog: number;
  databaseUrl: string | null;
  /** Postgres: longest wait for a connection, a statement or an answer before 503 UNAVAILABLE. */
  dbTimeoutMs: number;
  dataDir: string;
  sessionSecret: string;
  allowedOrigins: string[];
  logLevel: LogLevel;
  redisUrl: string | null;
  /** Prefix of every Redis key and channel, so several deployments (or test runs) can share one Redis. */
  redisPrefix: string;
  /**
   * Which reverse proxies to believe about the client (X-Forwarded-For/-Proto): none, the nearest
   * N hops, or only peers in these addresses/CIDRs. Never "everyone": that lets a client name its IP.
   */
  trustProxy: TrustProxy;
  heartbeatMs: number;
  presenceGraceMs: number;
  sessionTtlMs: number;
  /** Guests without activity for this long are removed (their messages stay, anonymised). */
  guestTtlMs: number;
  http: HttpTimeouts;
  /** Mean event-loop delay (ms, over 1 s) above which requests are shed with 503; 0 turns it off. */
  maxEventLoopDelayMs: number;
  /** Enables GET /metrics, for `Authorization: Bearer <token>` only; null: /metrics is a 404. */
  metricsToken: string | null;
  limits: Limits;
}

export interface HttpTimeouts {
  /** A request's headers and body must have arrived within this (408 and closed otherwise). */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this; keep it above the proxy's idle timeout. */
  keepAliveTimeoutMs: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

export const DEFAULT_LIMITS: Limits = {
  wsMaxFrameBytes: 64 * 1024,
  messageMaxChars: LIMITS.MESSAGE_MAX_CHARS,
  sendRatePerSec: 10,
  sendBurst: 20,
  loginMaxFailures: 5,
  loginPeerMaxFailures: 3,
  loginWindowMs: 15 * 60_000,
  loginMaxConcurrent: 2,
  invitePerMinute: 10,
  invitePerIpPerMinute: 30,
  roomCreatePerHour: 30,
  registerPerHour: 30,
  guestCreatePerHour: 10,
  guestSendRatePerSec: 2,
  guestSendBurst: 5,
  wsSoftBufferBytes: 512 * 1024,
  wsHardBufferBytes: 4 * 1024 * 1024,
  recoveryMaxMessages: 1000,
  editWindowSec: 0,
  wsMaxPerUser: 20,
  wsMaxPerIp: 500,
};

/**
 * Reads and validates configuration. Without SESSION_SECRET, a secret is generated once and kept in
 * DATA_DIR (see loadOrCreateSecret).
 */
export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];

  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') return fallback;
    if (!/^\d+$/.test(raw.trim())) {
      problems.push(`${name} must be a whole number, got "${raw}"`);
      return fallback;
    }
    const n = Number(raw);
    if (n < min || n > max) problems.push(`${name} must be between ${min} and ${max}, got ${n}`);
    return n;
  };

  const port = int('PORT', 3000, 0, 65535);
  const host = env.HOST?.trim() || '0.0.0.0';
  const listenBacklog = int('LISTEN_BACKLOG', 4096, 1, 65535);

  let databaseUrl: string | null = env.DATABASE_URL?.trim() || null;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    problems.push('DATABASE_URL must be a postgres:// or postgresql:// URL');
    databaseUrl = null;
  }

  let redisUrl: string | null = env.REDIS_URL?.trim() || null;
  if (redisUrl && !/^rediss?:\/\//.test(redisUrl)) {
    problems.push('REDIS_URL must be a redis:// or rediss:// URL');
    redisUrl = null;
  }

  const redisPrefix = env.REDIS_PREFIX?.trim() || 'rtchat:';
  if (!/^[\w:.-]{1,64}$/.test(redisPrefix)) {
    problems.push(`REDIS_PREFIX may only hold letters, digits and _ : . - (at most 64), got "${redisPrefix}"`);
  }
  if (redisUrl && !databaseUrl) {
    problems.push(
      'REDIS_URL is set but DATABASE_URL is not: several instances must share one Postgres, and the embedded database belongs to a single process. Set DATABASE_URL, or unset REDIS_URL to run one instance',
    );
  }
  if (redisUrl && !env.SESSION_SECRET) {
    problems.push('REDIS_URL is set but SESSION_SECRET is not: every instance must sign sessions with the same secret (at least 32 characters)');
  }

  const dbTimeoutMs = int('DB_TIMEOUT_MS', 5000, 100, 600_000);

  const dataDir = path.resolve(env.DATA_DIR?.trim() || './data');

  const logLevel = (env.LOG_LEVEL?.trim() || 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);

  const allowedOrigins: string[] = [];
  for (const raw of (env.ALLOWED_ORIGINS ?? '').split(',')) {
    const value = raw.trim();
    if (!value) continue;
    try {
      const url = new URL(value);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('scheme');
      allowedOrigins.push(url.origin);
    } catch {
      problems.push(`ALLOWED_ORIGINS entry "${value}" is not an http(s) origin such as https://chat.example.com`);
    }
  }

  const rawSecret = env.SESSION_SECRET;
  const secretTrouble = rawSecret ? secretProblem(rawSecret) : null;
  if (secretTrouble) problems.push(secretTrouble);
  const metricsToken = env.METRICS_TOKEN === undefined || env.METRICS_TOKEN === '' ? null : env.METRICS_TOKEN;
  const metricsTrouble = metricsToken === null ? null : metricsTokenProblem(metricsToken);
  if (metricsTrouble) problems.push(metricsTrouble);

  const loginMaxFailures = int('LOGIN_MAX_FAILURES', DEFAULT_LIMITS.loginMaxFailures, 1, 1_000_000);
  const limits: Limits = {
    wsMaxFrameBytes: int('WS_MAX_FRAME_BYTES', DEFAULT_LIMITS.wsMaxFrameBytes, 1024, 16 * 1024 * 1024),
    messageMaxChars: int('MESSAGE_MAX_CHARS', DEFAULT_LIMITS.messageMaxChars, 1, 16_000),
    sendRatePerSec: int('SEND_RATE_PER_SEC', DEFAULT_LIMITS.sendRatePerSec, 1, 100_000),
    sendBurst: int('SEND_BURST', DEFAULT_LIMITS.sendBurst, 1, 100_000),
    loginMaxFailures,
    loginWindowMs: int('LOGIN_WINDOW_MS', DEFAULT_LIMITS.loginWindowMs, 1000, 86_400_000),
    // Default: two below the account-wide limit, so one address alone cannot lock an account.
    loginPeerMaxFailures: int('LOGIN_PEER_MAX_FAILURES', Math.max(1, loginMaxFailures - 2), 1, 1_000_000),
    loginMaxConcurrent: int('LOGIN_MAX_CONCURRENT', DEFAULT_LIMITS.loginMaxConcurrent, 1, 1000),
    invitePerMinute: int('INVITE_PER_MINUTE', DEFAULT_LIMITS.invitePerMinute, 1, 1_000_000),
    invitePerIpPerMinute: int('INVITE_PER_IP_PER_MINUTE', DEFAULT_LIMITS.invitePerIpPerMinute, 1, 1_000_000),
    roomCreatePerHour: int('ROOM_CREATE_PER_HOUR', DEFAULT_LIMITS.roomCreatePerHour, 1, 1_000_000),
    registerPerHour: int('REGISTER_PER_HOUR', DEFAULT_LIMITS.registerPerHour, 1, 1_000_000),
    guestCreatePerHour: int('GUEST_CREATE_PER_HOUR', DEFAULT_LIMITS.guestCreatePerHour, 1, 1_000_000),
    guestSendRatePerSec: int('GUEST_SEND_RATE_PER_SEC', DEFAULT_LIMITS.guestSendRatePerSec, 1, 100_000),
    guestSendBurst: int('GUEST_SEND_BURST', DEFAULT_LIMITS.guestSendBurst, 1, 100_000),
    wsSoftBufferBytes: int('WS_SOFT_BUFFER_BYTES', DEFAULT_LIMITS.wsSoftBufferBytes, 1024, 1 << 30),
    wsHardBufferBytes: int('WS_HARD_BUFFER_BYTES', DEFAULT_LIMITS.wsHardBufferBytes, 1024, 1 << 30),
    recoveryMaxMessages: int('RECOVERY_MAX_MESSAGES', DEFAULT_LIMITS.recoveryMaxMessages, 1, 100_000),
    editWindowSec: int('EDIT_WINDOW_SEC', DEFAULT_LIMITS.editWindowSec, 0, 10 * 365 * 86_400),
    wsMaxPerUser: int('WS_MAX_PER_USER', DEFAULT_LIMITS.wsMaxPerUser, 1, 1_000_000),
    wsMaxPerIp: int('WS_MAX_PER_IP', DEFAULT_LIMITS.wsMaxPerIp, 1, 1_000_000),
  };
  if (limits.loginPeerMaxFailures > limits.loginMaxFailures) {
    problems.push('LOGIN_PEER_MAX_FAILURES must not exceed LOGIN_MAX_FAILURES');
  }
  if (limits.wsSoftBufferBytes > limits.wsHardBufferBytes) {
    problems.push('WS_SOFT_BUFFER_BYTES must not exceed WS_HARD_BUFFER_BYTES');
  }

  const files = parseFilesConfig(env, int, problems);
  const sessions = parseSessionsConfig(int);

  const heartbeatMs = int('HEARTBEAT_MS', 25_000, 1000, 600_000);
  const presenceGraceMs = int('PRESENCE_GRACE_MS', 5000, 0, 600_000);
  const sessionTtlMs = int('SESSION_TTL_DAYS', 30, 1, 3650) * 86_400_000;
  const guestTtlMs = int('GUEST_TTL_DAYS', 30, 1, 3650) * 86_400_000;
  const trustProxy = parseTrustProxy(env.TRUST_PROXY, problems);
  const http: HttpTimeouts = {
    requestTimeoutMs: int('HTTP_REQUEST_TIMEOUT_MS', 30_000, 100, 600_000),
    keepAliveTimeoutMs: int('HTTP_KEEPALIVE_TIMEOUT_MS', 72_000, 100, 600_000),
  };
  const maxEventLoopDelayMs = int('PRESSURE_MAX_EVENT_LOOP_DELAY_MS', 1000, 0, 60_000);

  if (problems.length) throw new ConfigError(problems);

  const sessionSecret = rawSecret || loadOrCreateSecret(dataDir);

  return {
    files,
    sessions,
    port,
    host,
    listenBacklog,
    databaseUrl,
    dbTimeoutMs,
    dataDir,
    sessionSecret,
    allowedOrigins,
    logLevel,
    redisUrl,
    redisPrefix,
    trustProxy,
    heartbeatMs,
    presenceGraceMs,
    sessionTtlMs,
    guestTtlMs,
    http,
    maxEventLoopDelayMs,
    metricsToken,
    limits,
  };
}

/** A secret generated on first start and kept (mode 0600) in DATA_DIR, so sessions survive restarts. */
function loadOrCreateSecret(dataDir: string): string {
  const file = path.join(dataDir, 'session-secret');
  if (existsSync(file)) {
    const secret = readFileSync(file, 'utf8').trim();
    if (secret.length >= 32) return secret;
  }
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return secret;
}
