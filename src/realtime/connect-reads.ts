/**
 * The reads of connecting and subscribing sockets, batched (lib/tick-batch.ts: per turn, and while
 * earlier loads are out): in a reconnect storm, the users' rooms are read with one query per batch
 * instead of one per socket, the access of every (room, subscriber) pair with one query per batch
 * instead of one per subscriber, and the replays of a room's resuming subscribers with one read per
 * room per batch.
 * Same answers as the per-user queries (rooms repository `roomIdsOf`, `access`; room-log `eventsAfter`).
 */
import { STORM_READ_PACE_MS, tickBatcher } from '../lib/tick-batch.js';
import type { LogFrame } from '../protocol.js';
import type { ConnectReadsRepository } from '../repositories/connect-reads-repository.js';
import type { RoomLogRepository } from '../repositories/room-log-repository.js';
import type { RoomAccess } from '../repositories/rooms-repository.js';
import { logEventOf } from './log-event.js';

/** A replay page request: the log after `after`, up to `limit` events, complete up to `committedUpTo`. */
export interface ReplayRead {
  roomId: string;
  after: number;
  limit: number;
  committedUpTo: number;
}
export type ReplayPage = { events: LogFrame[]; hasMore: boolean };

export interface ConnectReads {
  roomIdsOf(userId: string): Promise<string[]>;
  access(roomId: string, userId: string): Promise<RoomAccess | undefined>;
  /** A replay page (as room-log `eventsAfter`), read together with the room's other replays waiting. */
  eventsAfter(input: ReplayRead): Promise<ReplayPage>;
}

const SEP = '\n';
/** Resume points of one room further apart than this are read separately (a read stays a few pages). */
const MAX_REPLAY_SPAN = 300;

function groupBy<T>(items: T[], keyOf: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const list = out.get(key);
    if (list) list.push(item);
    else out.set(key, [item]);
  }
  return out;
}

/**
 * One read for replays of one room resuming close together: from the lowest `after`, long enough
 * for the highest one's page, bounded by the highest `committedUpTo` (every event up to it is
 * committed; a subscriber that gets events past its own is fine, its subscription skips the
 * repeats). Each request gets its own page of that read; hasMore when the read holds more for it
 * or was cut short.
 */
async function replayCluster(roomLog: Pick<RoomLogRepository, 'eventsAfter'>, group: ReplayRead[], out: Map<string, ReplayPage>): Promise<void> {
  const from = group[0]!.after;
  const to = group[group.length - 1]!.after;
  const limit = Math.max(...group.map((r) => r.limit)) + (to - from);
  const read = await roomLog.eventsAfter({ roomId: group[0]!.roomId, after: from, limit, upTo: Math.max(...group.map((r) => r.committedUpTo)) });
  const seqs = read.events.map((f) => logEventOf(f).seq);
  for (const r of group) {
    let start = 0;
    while (start < seqs.length && seqs[start]! <= r.after) start++;
    const events = read.events.slice(start, start + r.limit);
    out.set(replayKey(r), { events, hasMore: read.hasMore || read.events.length - start > r.limit });
  }
}

const replayKey = (r: ReplayRead): string => [r.roomId, r.after, r.limit, r.committedUpTo].join(SEP);
function replayOf(key: string): ReplayRead {
  const [roomId, after, limit, committedUpTo] = key.split(SEP) as [string, string, string, string];
  return { roomId, after: Number(after), limit: Number(limit), committedUpTo: Number(committedUpTo) };
}

export function createConnectReads(repo: ConnectReadsRepository, roomLog: Pick<RoomLogRepository, 'eventsAfter'>): ConnectReads {
  const paced = { paceMs: STORM_READ_PACE_MS };
  const roomIds = tickBatcher<string, string[]>((userIds) => repo.roomIdsOfUsers(userIds), paced);
  const access = tickBatcher<string, RoomAccess>(async (keys) => {
    const pairs = keys.map((key) => {
      const [roomId, userId] = key.split(SEP) as [string, string];
      return { roomId, userId };
    });
    const out = new Map<string, RoomAccess>();
    for (const [roomId, users] of await repo.accessOfPairs(pairs)) for (const [userId, a] of users) out.set(roomId + SEP + userId, a);
    return out;
  }, paced);
  const replays = tickBatcher<string, ReplayPage>(async (keys) => {
    const reads = keys.map(replayOf);
    const out = new Map<string, ReplayPage>();
    const clusters: ReplayRead[][] = [];
    for (const group of groupBy(reads, (r) => r.roomId).values()) {
      group.sort((a, b) => a.after - b.after);
      let cluster: ReplayRead[] = [];
      for (const r of group) {
        if (cluster.length && r.after - cluster[0]!.after > MAX_REPLAY_SPAN) {
          clusters.push(cluster);
          cluster = [];
        }
        cluster.push(r);
      }
      clusters.push(cluster);
    }
    await Promise.all(clusters.map((c) => replayCluster(roomLog, c, out)));
    return out;
  }, paced);
  return {
    roomIdsOf: async (userId) => (await roomIds(userId)) ?? [],
    access: (roomId, userId) => access(roomId + SEP + userId),
    eventsAfter: async (input) => (await replays(replayKey(input)))!,
  };
}
