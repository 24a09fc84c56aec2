/**
 * App services as decorators: the database, repositories, the real-time hub, the broker (the bus
 * between instances: local, or Redis when REDIS_URL is set), the message writer and the throttles.
 * This is the composition root of the real-time core: events flow routes/writer -> broker -> hub
 * (and peers); the hub's own events flow out through its HubRelay port, set here.
 * Closed in reverse order on shutdown, after in-flight writes are answered.
 */
import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { openDatabase, type Database } from '../db/client.js';
import { createMemoryRateLimiter, type RateLimiter } from '../lib/rate-limiter.js';
import { createRedisRateLimiter } from '../lib/redis-rate-limiter.js';
import { LocalBroker, type Broker } from '../realtime/broker.js';
import { ConnectionCaps } from '../realtime/connection-caps.js';
import { Hub } from '../realtime/hub.js';
import { RedisBroker } from '../realtime/cluster/redis-broker.js';
import { createMessagesRepository, type MessagesRepository } from '../repositories/messages-repository.js';
import { createRoomLogRepository, type RoomLogRepository } from '../repositories/room-log-repository.js';
import { createRoomsRepository, type RoomsRepository } from '../repositories/rooms-repository.js';
import { createUsersRepository, type UsersRepository } from '../repositories/users-repository.js';
import { createSearchRepository, type SearchRepository } from '../repositories/search-repository.js';
import { createOpRunner } from '../services/log-ops.js';
import { MessageWriter } from '../services/message-writer.js';
import { SendThrottle } from '../services/send-throttle.js';
import { createUploadsRepository, type UploadsRepository } from '../repositories/uploads-repository.js';
import { ImageProcessor } from '../services/image-processor.js';
import { UploadService } from '../services/upload-service.js';
import { createStorage } from '../storage/create-storage.js';
import type { FileStorage } from '../storage/file-storage.js';
import { LocalStorage } from '../storage/local-storage.js';
import { SharedFolderCheck } from '../storage/shared-folder-check.js';
import path from 'node:path';

/** How often expired uploads are swept (unref'd timer; tests call `uploads.sweep()` directly). */
export const UPLOAD_SWEEP_MS = 10 * 60_000;
/** With several instances, a temp file this old at start-up is a crash leftover. */
export const STALE_TEMP_MS = 60 * 60_000;

export interface Repositories {
  users: UsersRepository;
  rooms: RoomsRepository;
  messages: MessagesRepository;
  roomLog: RoomLogRepository;
  uploads: UploadsRepository;
  search: SearchRepository;
}

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
    database: Database;
    repos: Repositories;
    hub: Hub;
    /** Where room events are published: local (one instance) or Redis (several); its status feeds /readyz. */
    broker: Broker;
    writer: MessageWriter;
    limiter: RateLimiter;
    /** WebSocket connections per user and per IP (counted across instances with Redis). */
    connectionCaps: ConnectionCaps;
    /** Where file bytes live (local disk or S3). */
    storage: FileStorage;
    /** Receives, re-encodes, stores and sweeps uploads. */
    uploads: UploadService;
    /** With Redis and local storage: whether every instance sees the same files folder (/readyz). */
    sharedFiles: SharedFolderCheck | null;
    /** True once shutdown has begun: new sends are refused with UNAVAILABLE. */
    shuttingDown: boolean;
  }
}

export interface ServicesOptions {
  config: Config;
  /** An already-open database (tests); otherwise one is opened from the config and closed with the app. */
  database?: Database;
}

export default fp<ServicesOptions>(
  async (app, opts) => {
    const { config } = opts;
    const ownsDatabase = !opts.database;
    const database =
      opts.database ??
      (await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, timeoutMs: config.dbTimeoutMs }));
    if (config.redisUrl && database.kind !== 'postgres') {
      if (ownsDatabase) await database.close();
      throw new Error('REDIS_URL needs DATABASE_URL: several instances must share one Postgres, not an embedded database');
    }
    const db = database.db;
    const repos: Repositories = {
      users: createUsersRepository(db),
      rooms: createRoomsRepository(db),
      messages: createMessagesRepository(db),
      roomLog: createRoomLogRepository(db),
      uploads: createUploadsRepository(db),
      search: createSearchRepository(db),
    };
    const hub = new Hub({ heartbeatMs: config.heartbeatMs, presenceGraceMs: config.presenceGraceMs });
    const redisBroker = config.redisUrl
      ? new RedisBroker({
          hub,
          url: config.redisUrl,
          prefix: config.redisPrefix,
          roomLog: {
            eventsAfter: (input) => repos.roomLog.eventsAfter(input),
            lastSeq: (roomId) => repos.roomLog.lastSeq(roomId),
            // The writer exists once the broker does (it publishes into it): bound late.
            ownCommits: (roomId) => writer.committing(roomId),
          },
          log: app.log,
          presenceGraceMs: config.presenceGraceMs,
          sessionAlive: async (sessionId) => Boolean(await repos.users.findSession(sessionId)),
        })
      : null;
    if (redisBroker) hub.useRelay(redisBroker);
    const broker: Broker = redisBroker ?? new LocalBroker(hub);
    const writer = new MessageWriter({
      messages: repos.messages,
      rooms: repos.rooms,
      runOps: createOpRunner((fn) => db.transaction((tx) => fn(createRoomLogRepository(tx))), {
        editWindowSec: config.limits.editWindowSec,
      }),
      onCommit: (event, origin) => broker.committed(event, origin),
      onMention: (notice) => broker.mentioned(notice),
      log: app.log,
      throttle: new SendThrottle(config.limits.sendRatePerSec, config.limits.sendBurst),
    });
    const connectionCaps = new ConnectionCaps(
      { perUser: config.limits.wsMaxPerUser, perIp: config.limits.wsMaxPerIp },
      redisBroker?.connectionCounts,
    );
    redisBroker?.connectionCounts.useLocal(connectionCaps);
    const limiter = redisBroker ? createRedisRateLimiter(redisBroker.bus.commands, config.redisPrefix) : createMemoryRateLimiter();

    const storage = createStorage(config);
    const uploads = new UploadService({
      storage,
      uploads: repos.uploads,
      images: new ImageProcessor(config.files.imageConcurrency, config.files.imageMaxPixels),
      limiter,
      config: config.files,
      tempDir: path.join(config.dataDir, 'upload-tmp'),
      log: app.log,
    });
    // Nothing of this process is being written yet: what a crash left half-written goes now (with
    // Redis, other instances may share DATA_DIR and be writing: only what is an hour old).
    const staleMs = config.redisUrl ? STALE_TEMP_MS : 0;
    await uploads.sweepTemp(staleMs);
    if (storage instanceof LocalStorage) await storage.sweepTemp(staleMs);
    let sweeper: NodeJS.Timeout | null = null;
    const sharedFiles =
      redisBroker && storage instanceof LocalStorage
        ? new SharedFolderCheck(storage.root, redisBroker.bus.commands, config.redisPrefix, redisBroker.instanceId, app.log)
        : null;
    if (sharedFiles) {
      app.log.warn(
        { filesDir: (storage as LocalStorage).root },
        'REDIS_URL with local file storage: every instance must mount the same files folder (DATA_DIR/files), or set S3_BUCKET; checked with marker files, see /readyz',
      );
    }

    app.decorate('config', config);
    app.decorate<FileStorage>('storage', storage);
    app.decorate('uploads', uploads);
    app.decorate('sharedFiles', sharedFiles);
    app.decorate('database', database);
    app.decorate('repos', repos);
    app.decorate('hub', hub);
    app.decorate('broker', broker);
    app.decorate('writer', writer);
    app.decorate('limiter', limiter);
    app.decorate('connectionCaps', connectionCaps);
    app.decorate('shuttingDown', false);

    app.addHook('onReady', async () => {
      hub.start();
      await broker.start();
      await sharedFiles?.start();
      sweeper = setInterval(() => {
        uploads.sweep().catch((err: unknown) => app.log.warn({ err }, 'upload sweep failed'));
      }, UPLOAD_SWEEP_MS);
      sweeper.unref();
    });
    // The hub (sockets and timers) is closed once, by the websocket plugin's preClose, after the
    // writer has drained; what is left here is closed after that.
    app.addHook('onClose', async () => {
      if (sweeper) clearInterval(sweeper);
      await sharedFiles?.stop();
      await broker.close();
      storage.close?.();
      limiter.close();
      if (ownsDatabase) await database.close();
    });
  },
  { name: 'services' },
);
