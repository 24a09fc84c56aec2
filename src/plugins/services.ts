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
import { createConnectReadsRepository, type ConnectReadsRepository } from '../repositories/connect-reads-repository.js';
import { createRoomsRepository, type RoomsRepository } from '../repositories/rooms-repository.js';
import { createUsersRepository, type UsersRepository } from '../repositories/users-repository.js';
import { createSearchRepository, type SearchRepository } from '../repositories/search-repository.js';
import { createOpRunner } from '../services/log-ops.js';
import { createModerationRepository, type ModerationRepository } from '../repositories/moderation-repository.js';
import { createModeration, type Moderation } from '../services/moderation.js';
import { SlowMode } from '../services/slow-mode.js';
import { MessageWriter } from '../services/message-writer.js';
import { SendThrottle, TieredSendThrottle } from '../services/send-throttle.js';
import { SessionActivity } from '../services/session-activity.js';
import { SessionCache } from '../services/session-cache.js';
import { GUEST_SWEEP_MS, sweepGuests } from '../services/guest-sweeper.js';
import { createUploadsRepository, type UploadsRepository } from '../repositories/uploads-repository.js';
import { ImageProcessor } from '../services/image-processor.js';
import { UploadService } from '../services/upload-service.js';
import { createStorage } from '../storage/create-storage.js';
import type { FileStorage } from '../storage/file-storage.js';
import { LocalStorage } from '../storage/local-storage.js';
import { Metrics } from '../services/metrics.js';
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
  connectReads: ConnectReadsRepository;
  moderation: ModerationRepository;
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
    /** Settings, roles, kicks, bans, deletion: each one audited transaction (services/moderation.ts). */
    moderation: Moderation;
    limiter: RateLimiter;
    /** WebSocket connections per user and per IP (counted across instances with Redis). */
    connectionCaps: ConnectionCaps;
    /** Where file bytes live (local disk or S3). */
    storage: FileStorage;
    /** Receives, re-encodes, stores and sweeps uploads. */
    uploads: UploadService;
    /** With Redis and local storage: whether every instance sees the same files folder (/readyz). */
    sharedFiles: SharedFolderCheck | null;
    /** Sessions in memory (auth plugin); evicted through the broker on every instance. */
    sessionCache: SessionCache;
    /** Last-seen times of sessions, noted in memory and flushed in batches. */
    sessionActivity: SessionActivity;
    /** True once shutdown has begun: new sends are refused with UNAVAILABLE. */
    shuttingDown: boolean;
    /** Prometheus metrics, only when METRICS_TOKEN is set (routes/metrics.ts). */
    metrics: Metrics | null;
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
      messages: createMessagesRepository(db, (query) => database.prepared(query)),
      roomLog: createRoomLogRepository(db, (query) => database.prepared(query)),
      uploads: createUploadsRepository(db),
      connectReads: createConnectReadsRepository(db),
      moderation: createModerationRepository(db),
      search: createSearchRepository(db),
    };
    const hub = new Hub({
      heartbeatMs: config.heartbeatMs,
      presenceGraceMs: config.presenceGraceMs,
      // Bound late: slow mode needs the limiter, which needs the broker, which needs the hub.
      onRoomChanged: (roomId, room) => slowMode.roomChanged(roomId, room),
    });
    // Trusted only while the bus is healthy (bound late: the broker is made next).
    const sessionCache = new SessionCache({
      maxEntries: config.sessions.cacheSize,
      ttlMs: config.sessions.cacheTtlMs,
      usable: () => broker.status().healthy,
    });
    const sessionActivity = new SessionActivity({
      flushMs: config.sessions.lastSeenFlushMs,
      touch: (touches) => repos.users.touchSessions(touches),
      log: app.log,
    });
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
          accessOfUsers: (roomId, userIds) => repos.connectReads.accessOfUsers(roomId, userIds),
          evictions: sessionCache,
        })
      : null;
    if (redisBroker) hub.useRelay(redisBroker);
    const broker: Broker = redisBroker ?? new LocalBroker(hub, sessionCache);
    // `uploads` is read only when scraped, long after it exists.
    const metrics: Metrics | null = config.metricsToken ? new Metrics({ hub, bus: redisBroker?.bus ?? null, ordering: redisBroker?.ordering ?? null, uploadBytes: () => uploads.receivedBytes }) : null;
    const writer: MessageWriter = new MessageWriter({
      messages: repos.messages,
      rooms: repos.rooms,
      runOps: createOpRunner((fn) => db.transaction((tx) => fn(createRoomLogRepository(tx), createModerationRepository(tx))), {
        editWindowSec: config.limits.editWindowSec,
      }),
      onCommit: metrics
        ? (event, origin) => {
            metrics.committed(event);
            broker.committed(event, origin);
          }
        : (event, origin) => broker.committed(event, origin),
      ...(metrics ? { onBatch: metrics.batch } : {}),
      onMention: (notice) => broker.mentioned(notice),
      log: app.log,
      throttle: new TieredSendThrottle({
        full: new SendThrottle(config.limits.sendRatePerSec, config.limits.sendBurst),
        guest: new SendThrottle(config.limits.guestSendRatePerSec, config.limits.guestSendBurst),
      }),
      admit: (input) => slowMode.admit(input),
    });
    const connectionCaps = new ConnectionCaps(
      { perUser: config.limits.wsMaxPerUser, perIp: config.limits.wsMaxPerIp },
      redisBroker?.connectionCounts,
    );
    redisBroker?.connectionCounts.useLocal(connectionCaps);
    const limiter = redisBroker ? createRedisRateLimiter(redisBroker.bus.commands, config.redisPrefix) : createMemoryRateLimiter();
    const slowMode: SlowMode = new SlowMode({ rooms: repos.rooms, messages: repos.messages, limiter });
    const moderation = createModeration(db, broker);

    const storage = createStorage(config);
    const images = new ImageProcessor(config.files.imageConcurrency, config.files.imageMaxPixels);
    const uploads = new UploadService({
      storage,
      uploads: repos.uploads,
      images,
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
    let guestSweeper: NodeJS.Timeout | null = null;
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
    app.decorate('moderation', moderation);
    app.decorate('limiter', limiter);
    app.decorate('connectionCaps', connectionCaps);
    app.decorate('sessionCache', sessionCache);
    app.decorate('sessionActivity', sessionActivity);
    app.decorate('shuttingDown', false);
    app.decorate('metrics', metrics);

    app.addHook('onReady', async () => {
      hub.start();
      sessionActivity.start();
      await broker.start();
      await sharedFiles?.start();
      sweeper = setInterval(() => {
        // Deleted rooms' messages first (their files then have no message and go in the same sweep).
        repos.moderation
          .purgeDeletedRooms(new Date(Date.now() - config.files.deletedGraceMs))
          .then(() => uploads.sweep())
          .catch((err: unknown) => app.log.warn({ err }, 'upload sweep failed'));
      }, UPLOAD_SWEEP_MS);
      sweeper.unref();
      guestSweeper = setInterval(() => {
        sweepGuests({ users: repos.users, broker, ttlMs: config.guestTtlMs }).catch((err: unknown) => app.log.warn({ err }, 'guest sweep failed'));
      }, GUEST_SWEEP_MS);
      guestSweeper.unref();
    });
    // The hub (sockets and timers) is closed once, by the websocket plugin's preClose, after the
    // writer has drained; what is left here is closed after that.
    app.addHook('onClose', async () => {
      if (sweeper) clearInterval(sweeper);
      images.close();
      if (guestSweeper) clearInterval(guestSweeper);
      await sharedFiles?.stop();
      await sessionActivity.close().catch((err: unknown) => app.log.warn({ err }, 'last session activity not written'));
      await broker.close();
      storage.close?.();
      limiter.close();
      if (ownsDatabase) await database.close();
    });
  },
  { name: 'services' },
);
