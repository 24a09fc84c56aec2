/**
 * Configuration from the environment, validated at boot. Every bad value gets its own message and
 * the process refuses to start, rather than half-working with a surprise default.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { LIMITS } from './protocol-constants.js';
import type { S3Settings } from './storage/s3-storage.js';

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
  loginWindowMs: number;
  /** Invite-code attempts per user per minute. */
  invitePerMinute: number;
  /** Registrations per IP per hour. */
  registerPerHour: number;
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

/** Uploads and their storage (S3 when `s3` is set, else local disk under DATA_DIR/files). */
export interface FilesConfig {
  s3: S3Settings | null;
  imageMaxBytes: number;
  videoMaxBytes: number;
  /** Any other file (stored as a download). */
  fileMaxBytes: number;
  avatarMaxBytes: number;
  /** Bytes a user may keep stored (uploads not yet removed). */
  quotaBytes: number;
  uploadsPerMinute: number;
  /** Largest decoded image (width x height) accepted: a guard against decompression bombs. */
  imageMaxPixels: number;
  /** Images decoded / encoded at once (sharp runs in libuv's pool; this bounds how much of it). */
  imageConcurrency: number;
  /** Unclaimed uploads are removed after this long. */
  unclaimedTtlMs: number;
  /** Files of deleted messages and replaced avatars are removed after this long. */
  deletedGraceMs: number;
  /** Lifetime of a signed S3 URL handed out after the access check. */
  signedUrlSec: number;
}

export interface Config {
  files: FilesConfig;
  port: number;
  host: string;
  databaseUrl: string | null;
  dataDir: string;
  sessionSecret: string;
  allowedOrigins: string[];
  logLevel: LogLevel;
  redisUrl: string | null;
  /** Prefix of every Redis key and channel, so several deployments (or test runs) can share one Redis. */
  redisPrefix: string;
  trustProxy: boolean;
  heartbeatMs: number;
  presenceGraceMs: number;
  sessionTtlMs: number;
  limits: Limits;
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
  loginWindowMs: 15 * 60_000,
  invitePerMinute: 10,
  registerPerHour: 30,
  wsSoftBufferBytes: 512 * 1024,
  wsHardBufferBytes: 4 * 1024 * 1024,
  recoveryMaxMessages: 1000,
  editWindowSec: 0,
  wsMaxPerUser: 20,
  wsMaxPerIp: 500,
};

/** Reads and validates configuration. `fileSecret` may be disabled for tests that pass a secret. */
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
  const bool = (name: string, fallback: boolean): boolean => {
    const raw = env[name]?.trim().toLowerCase();
    if (raw === undefined || raw === '') return fallback;
    if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
    if (['0', 'false', 'no', 'off'].includes(raw)) return false;
    problems.push(`${name} must be true or false, got "${env[name]}"`);
    return fallback;
  };

  const port = int('PORT', 3000, 0, 65535);
  const host = env.HOST?.trim() || '0.0.0.0';

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
  if (rawSecret !== undefined && rawSecret !== '' && rawSecret.length < 32) {
    problems.push(`SESSION_SECRET must be at least 32 characters (got ${rawSecret.length}); unset it to generate one in DATA_DIR`);
  }

  const limits: Limits = {
    wsMaxFrameBytes: int('WS_MAX_FRAME_BYTES', DEFAULT_LIMITS.wsMaxFrameBytes, 1024, 16 * 1024 * 1024),
    messageMaxChars: int('MESSAGE_MAX_CHARS', DEFAULT_LIMITS.messageMaxChars, 1, 16_000),
    sendRatePerSec: int('SEND_RATE_PER_SEC', DEFAULT_LIMITS.sendRatePerSec, 1, 100_000),
    sendBurst: int('SEND_BURST', DEFAULT_LIMITS.sendBurst, 1, 100_000),
    loginMaxFailures: int('LOGIN_MAX_FAILURES', DEFAULT_LIMITS.loginMaxFailures, 1, 1_000_000),
    loginWindowMs: int('LOGIN_WINDOW_MS', DEFAULT_LIMITS.loginWindowMs, 1000, 86_400_000),
    invitePerMinute: int('INVITE_PER_MINUTE', DEFAULT_LIMITS.invitePerMinute, 1, 1_000_000),
    registerPerHour: int('REGISTER_PER_HOUR', DEFAULT_LIMITS.registerPerHour, 1, 1_000_000),
    wsSoftBufferBytes: int('WS_SOFT_BUFFER_BYTES', DEFAULT_LIMITS.wsSoftBufferBytes, 1024, 1 << 30),
    wsHardBufferBytes: int('WS_HARD_BUFFER_BYTES', DEFAULT_LIMITS.wsHardBufferBytes, 1024, 1 << 30),
    recoveryMaxMessages: int('RECOVERY_MAX_MESSAGES', DEFAULT_LIMITS.recoveryMaxMessages, 1, 100_000),
    editWindowSec: int('EDIT_WINDOW_SEC', DEFAULT_LIMITS.editWindowSec, 0, 10 * 365 * 86_400),
    wsMaxPerUser: int('WS_MAX_PER_USER', DEFAULT_LIMITS.wsMaxPerUser, 1, 1_000_000),
    wsMaxPerIp: int('WS_MAX_PER_IP', DEFAULT_LIMITS.wsMaxPerIp, 1, 1_000_000),
  };
  if (limits.wsSoftBufferBytes > limits.wsHardBufferBytes) {
    problems.push('WS_SOFT_BUFFER_BYTES must not exceed WS_HARD_BUFFER_BYTES');
  }

  const MIB = 1024 * 1024;
  const s3Bucket = env.S3_BUCKET?.trim() || null;
  const s3Endpoint = env.S3_ENDPOINT?.trim() || null;
  if (s3Endpoint && !/^https?:\/\//.test(s3Endpoint)) problems.push('S3_ENDPOINT must be an http(s) URL');
  if (s3Bucket && !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(s3Bucket)) problems.push(`S3_BUCKET is not a valid bucket name: "${s3Bucket}"`);
  const s3Key = env.S3_ACCESS_KEY_ID?.trim() || null;
  const s3Secret = env.S3_SECRET_ACCESS_KEY?.trim() || null;
  if (Boolean(s3Key) !== Boolean(s3Secret)) problems.push('S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY are set together or not at all');
  if (!s3Bucket && (s3Endpoint || s3Key)) problems.push('S3_ENDPOINT / S3_ACCESS_KEY_ID are set but S3_BUCKET is not');
  const s3ForcePathStyle = bool('S3_FORCE_PATH_STYLE', false);
  const files: FilesConfig = {
    s3: s3Bucket
      ? {
          bucket: s3Bucket,
          region: env.S3_REGION?.trim() || 'us-east-1',
          endpoint: s3Endpoint,
          accessKeyId: s3Key,
          secretAccessKey: s3Secret,
          forcePathStyle: s3ForcePathStyle,
        }
      : null,
    imageMaxBytes: int('IMAGE_MAX_BYTES', 25 * MIB, 1024, 1 << 30),
    videoMaxBytes: int('VIDEO_MAX_BYTES', 100 * MIB, 1024, 4 * 1024 * MIB),
    fileMaxBytes: int('FILE_MAX_BYTES', 25 * MIB, 1024, 4 * 1024 * MIB),
    avatarMaxBytes: int('AVATAR_MAX_BYTES', 5 * MIB, 1024, 1 << 30),
    quotaBytes: int('UPLOAD_QUOTA_BYTES', 1024 * MIB, 1024, Number.MAX_SAFE_INTEGER),
    uploadsPerMinute: int('UPLOADS_PER_MINUTE', 30, 1, 1_000_000),
    imageMaxPixels: int('IMAGE_MAX_PIXELS', 50_000_000, 1, 1_000_000_000),
    imageConcurrency: int('IMAGE_CONCURRENCY', 2, 1, 64),
    unclaimedTtlMs: int('UNCLAIMED_UPLOAD_TTL_SEC', 86_400, 1, 365 * 86_400) * 1000,
    deletedGraceMs: int('DELETED_FILE_GRACE_SEC', 3600, 0, 365 * 86_400) * 1000,
    signedUrlSec: int('S3_SIGNED_URL_SEC', 300, 10, 7 * 86_400),
  };

  const heartbeatMs = int('HEARTBEAT_MS', 25_000, 1000, 600_000);
  const presenceGraceMs = int('PRESENCE_GRACE_MS', 5000, 0, 600_000);
  const sessionTtlMs = int('SESSION_TTL_DAYS', 30, 1, 3650) * 86_400_000;
  const trustProxy = bool('TRUST_PROXY', false);

  if (problems.length) throw new ConfigError(problems);

  const sessionSecret = rawSecret && rawSecret.length >= 32 ? rawSecret : loadOrCreateSecret(dataDir);

  return {
    files,
    port,
    host,
    databaseUrl,
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
