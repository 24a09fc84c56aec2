/**
 * `npm run seed`: demo users and rooms (a public General and a private Tech Talk with a few
 * messages). Safe to run twice: users and rooms are looked up first and messages use fixed
 * clientMsgIds, which the server stores once. Users and rooms without an image get one drawn
 * by the seed (initials on a colour).
 */
import { hash } from '@node-rs/argon2';
import { sql } from 'drizzle-orm';
import { loadConfig } from './config.js';
import { openDatabase } from './db/client.js';
import { rooms } from './db/schema.js';
import { createMessagesRepository } from './repositories/messages-repository.js';
import { createRoomsRepository } from './repositories/rooms-repository.js';
import { createUsersRepository } from './repositories/users-repository.js';
import { exitOnStartupError } from './lib/startup-errors.js';
import { createUploadsRepository } from './repositories/uploads-repository.js';
import { fileUrl } from './repositories/mappers.js';
import { initialsImage, storeSquareImage } from './services/seed-images.js';
import { createStorage } from './storage/create-storage.js';
import { LocalStorage } from './storage/local-storage.js';

export const DEMO_PASSWORD = 'rtchat-demo';
const USERS = ['alice', 'bob', 'carol'] as const;
const COLORS: Record<string, string> = { alice: '#7c3aed', bob: '#0891b2', carol: '#db2777', General: '#16a34a', 'Tech Talk': '#ea580c' };
const initialsOf = (name: string) =>
  name
    .split(/\s+/)
    .map((w) => w[0]!.toUpperCase())
    .join('')
    .slice(0, 2);

const ROOMS = [
  {
    name: 'General',
    description: 'Say hello to everyone',
    isPrivate: false,
    members: ['alice', 'bob', 'carol'],
    messages: [
      ['alice', 'Welcome to RtChat!'],
      ['bob', 'Hi Alice, this is fast.'],
      ['carol', 'Hello both :)'],
    ],
  },
  {
    name: 'Tech Talk',
    description: 'Private room for the engineers',
    isPrivate: true,
    members: ['alice', 'bob'],
    messages: [
      ['alice', 'Postgres is the source of truth; seq has no gaps.'],
      ['bob', 'And sinceSeq resume means nothing gets lost on reconnect.'],
    ],
  },
] as const;

async function main(): Promise<void> {
  const config = loadConfig();
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  const users = createUsersRepository(database.db);
  const roomsRepo = createRoomsRepository(database.db);
  const messages = createMessagesRepository(database.db);
  const uploads = createUploadsRepository(database.db);
  const storage = createStorage(config);
  if (storage instanceof LocalStorage) await storage.init();
  try {
    const ids = new Map<string, string>();
    for (const username of USERS) {
      const existing = await users.findByLogin(username);
      const row = existing ?? (await users.create({ username, email: `${username}@example.com`, passwordHash: await hash(DEMO_PASSWORD) }));
      ids.set(username, row.id);
      if (!row.avatarUrl) {
        const image = await storeSquareImage(storage, uploads, row.id, 'avatar', await initialsImage(initialsOf(username), COLORS[username]!));
        await uploads.setAvatar(row.id, image, fileUrl(image.id));
      }
    }
    for (const spec of ROOMS) {
      const [found] = await database.db.select().from(rooms).where(sql`lower(${rooms.name}) = ${spec.name.toLowerCase()}`);
      const room =
        found ?? (await roomsRepo.create({ ownerId: ids.get(spec.members[0])!, name: spec.name, description: spec.description, isPrivate: spec.isPrivate }));
      for (const member of spec.members) await roomsRepo.join(room.id, ids.get(member)!);
      if (!room.imageUrl) {
        const image = await storeSquareImage(storage, uploads, room.ownerId, 'room_image', await initialsImage(initialsOf(spec.name), COLORS[spec.name]!));
        await uploads.setRoomImage(room.id, image, fileUrl(image.id), null);
      }
      await messages.insertMany(
        spec.messages.map(([author, body], i) => ({ roomId: room.id, authorId: ids.get(author)!, clientMsgId: `seed-${room.id}-${i}`, body })),
      );
      console.log(`room "${spec.name}"${spec.isPrivate ? ` (private, invite code ${room.inviteCode})` : ''}`);
    }
    console.log(`users ${USERS.join(', ')} with password "${DEMO_PASSWORD}"`);
  } finally {
    storage.close?.();
    await database.close();
  }
}

main().catch(exitOnStartupError);
