/**
 * The configuration of uploads and their storage: per-type size limits, quota, image work, the
 * sweeper's ages, and S3 (when S3_BUCKET is set; otherwise files live on local disk under
 * DATA_DIR/files). Parsed apart from config.ts, which passes its number reader and problem list in.
 */
import type { S3Settings } from './storage/s3-storage.js';

type Env = Record<string, string | undefined>;
type IntReader = (name: string, fallback: number, min: number, max: number) => number;

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

function bool(env: Env, name: string, fallback: boolean, problems: string[]): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  problems.push(`${name} must be true or false, got "${env[name]}"`);
  return fallback;
}

export function parseFilesConfig(env: Env, int: IntReader, problems: string[]): FilesConfig {
  const MIB = 1024 * 1024;
  const s3Bucket = env.S3_BUCKET?.trim() || null;
  const s3Endpoint = env.S3_ENDPOINT?.trim() || null;
  if (s3Endpoint && !/^https?:\/\//.test(s3Endpoint)) problems.push('S3_ENDPOINT must be an http(s) URL');
  if (s3Bucket && !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(s3Bucket)) problems.push(`S3_BUCKET is not a valid bucket name: "${s3Bucket}"`);
  const s3Key = env.S3_ACCESS_KEY_ID?.trim() || null;
  const s3Secret = env.S3_SECRET_ACCESS_KEY?.trim() || null;
  if (Boolean(s3Key) !== Boolean(s3Secret)) problems.push('S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY are set together or not at all');
  if (!s3Bucket && (s3Endpoint || s3Key)) problems.push('S3_ENDPOINT / S3_ACCESS_KEY_ID are set but S3_BUCKET is not');
  const s3ForcePathStyle = bool(env, 'S3_FORCE_PATH_STYLE', false, problems);
  return {
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
}
