import path from 'node:path';
import type { Config } from '../config.js';
import type { FileStorage } from './file-storage.js';
import { LocalStorage } from './local-storage.js';
import { S3Storage } from './s3-storage.js';

/** The configured store: S3 when S3_BUCKET is set, else local disk under DATA_DIR/files. */
export function createStorage(config: Config): FileStorage & { close?(): void } {
  if (config.files.s3) return new S3Storage(config.files.s3);
  return new LocalStorage(path.join(config.dataDir, 'files'));
}
