/**
 * App services as decorators: the database, repositories, the real-time hub, the message writer
 * and the throttles. Closed in reverse order on shutdown, after in-flight writes are answered.
 */
import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { openDatabase, type Database } from '../db/client.js';
import { createMemoryRateLimiter, type RateLimiter } from '../lib/rate-limiter.js';
import { Hub } from '../realtime/hub.js';
import { createMessagesRepository, type MessagesRepository } from '../repositories/messages-repository.js';
import { createRoomsRepository, type RoomsRepository } from '../repositories/rooms-repository.js';
import { createUsersRepository, type UsersRepository } from '../repositories/users-repository.js';
import { MessageWriter } from '../services/message-writer.js';

export interface Repositories {
  users: UsersRepository;
  rooms: RoomsRepository;
  messages: MessagesRepository;
}

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
    database: Database;
    repos: Repositories;
    hub: Hub;
    writer: MessageWriter;
    limiter: RateLimiter;
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
      (await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir }));
    const db = database.db;
    const repos: Repositories = {
      users: createUsersRepository(db),
      rooms: createRoomsRepository(db),
      messages: createMessagesRepository(db),
    };
    const hub = new Hub({ heartbeatMs: config.heartbeatMs, presenceGraceMs: config.presenceGraceMs });
    const writer = new MessageWriter({
      messages: repos.messages,
      rooms: repos.rooms,
      onCommit: (message, origin) => hub.deliverMessage(message, origin),
      log: app.log,
    });
    const limiter = createMemoryRateLimiter();

    app.decorate('config', config);
    app.decorate('database', database);
    app.decorate('repos', repos);
    app.decorate('hub', hub);
    app.decorate('writer', writer);
    app.decorate('limiter', limiter);
    app.decorate('shuttingDown', false);

    app.addHook('onReady', async () => hub.start());
    app.addHook('onClose', async () => {
      hub.close();
      limiter.close();
      if (ownsDatabase) await database.close();
    });
  },
  { name: 'services' },
);
