/**
 * The reads of connecting and subscribing sockets, batched per event-loop turn (lib/tick-batch.ts):
 * in a reconnect storm, the users' rooms are read with one query per turn instead of one per
 * socket, and a room's access with one query per room per turn instead of one per subscriber.
 * Same answers as the per-user queries (rooms repository `roomIdsOf`, `access`).
 */
import { tickBatcher } from '../lib/tick-batch.js';
import type { ConnectReadsRepository } from '../repositories/connect-reads-repository.js';
import type { RoomAccess } from '../repositories/rooms-repository.js';

export interface ConnectReads {
  roomIdsOf(userId: string): Promise<string[]>;
  access(roomId: string, userId: string): Promise<RoomAccess | undefined>;
}

const SEP = '\n';

export function createConnectReads(repo: ConnectReadsRepository): ConnectReads {
  const roomIds = tickBatcher<string, string[]>((userIds) => repo.roomIdsOfUsers(userIds));
  const access = tickBatcher<string, RoomAccess>(async (keys) => {
    const byRoom = new Map<string, string[]>();
    for (const key of keys) {
      const [roomId, userId] = key.split(SEP) as [string, string];
      const users = byRoom.get(roomId);
      if (users) users.push(userId);
      else byRoom.set(roomId, [userId]);
    }
    const out = new Map<string, RoomAccess>();
    await Promise.all(
      [...byRoom].map(async ([roomId, userIds]) => {
        for (const [userId, a] of await repo.accessOfUsers(roomId, userIds)) out.set(roomId + SEP + userId, a);
      }),
    );
    return out;
  });
  return {
    roomIdsOf: async (userId) => (await roomIds(userId)) ?? [],
    access: (roomId, userId) => access(roomId + SEP + userId),
  };
}
