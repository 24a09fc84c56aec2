/**
 * Presence across instances: which (room, user) pairs each instance holds online. Each instance's
 * own `Presence` decides its pairs (first connection, last one closed plus the grace period); this
 * view is their union, and it emits only when the union changes: a user is online in a room while
 * any instance holds them there.
 */
type Emit = (roomId: string, userId: string, online: boolean) => void;

const SEP = '\u0000';
export const pairKey = (roomId: string, userId: string): string => `${roomId}${SEP}${userId}`;
export const splitPair = (key: string): [string, string] => {
  const i = key.indexOf(SEP);
  return [key.slice(0, i), key.slice(i + 1)];
};

export class ClusterPresence {
  /** roomId -> userId -> instances holding the pair. */
  private readonly rooms = new Map<string, Map<string, Set<string>>>();
  /** instance -> its pairs. */
  private readonly instances = new Map<string, Set<string>>();
  /** userId -> number of (room, instance) holdings, for isOnline. */
  private readonly users = new Map<string, number>();

  constructor(private readonly emit: Emit) {}

  set(instance: string, roomId: string, userId: string, online: boolean): void {
    const key = pairKey(roomId, userId);
    let mine = this.instances.get(instance);
    if (online) {
      if (!mine) {
        mine = new Set();
        this.instances.set(instance, mine);
      }
      if (mine.has(key)) return;
      mine.add(key);
      let room = this.rooms.get(roomId);
      if (!room) {
        room = new Map();
        this.rooms.set(roomId, room);
      }
      let holders = room.get(userId);
      if (!holders) {
        holders = new Set();
        room.set(userId, holders);
      }
      holders.add(instance);
      this.users.set(userId, (this.users.get(userId) ?? 0) + 1);
      if (holders.size === 1) this.emit(roomId, userId, true);
      return;
    }
    if (!mine?.delete(key)) return;
    if (mine.size === 0) this.instances.delete(instance);
    const room = this.rooms.get(roomId)!;
    const holders = room.get(userId)!;
    holders.delete(instance);
    const n = (this.users.get(userId) ?? 1) - 1;
    if (n > 0) this.users.set(userId, n);
    else this.users.delete(userId);
    if (holders.size > 0) return;
    room.delete(userId);
    if (room.size === 0) this.rooms.delete(roomId);
    this.emit(roomId, userId, false);
  }

  /** Replaces everything an instance holds (a snapshot), emitting only the differences. */
  replaceInstance(instance: string, pairs: Iterable<string>): void {
    const next = new Set(pairs);
    for (const key of [...(this.instances.get(instance) ?? [])]) {
      if (!next.has(key)) {
        const [roomId, userId] = splitPair(key);
        this.set(instance, roomId, userId, false);
      }
    }
    for (const key of next) {
      const [roomId, userId] = splitPair(key);
      this.set(instance, roomId, userId, true);
    }
  }

  dropInstance(instance: string): void {
    this.replaceInstance(instance, []);
  }

  knownInstances(): string[] {
    return [...this.instances.keys()];
  }

  pairsOf(instance: string): string[] {
    return [...(this.instances.get(instance) ?? [])];
  }

  onlineIn(roomId: string): string[] {
    return [...(this.rooms.get(roomId)?.keys() ?? [])];
  }

  isOnline(userId: string): boolean {
    return this.users.has(userId);
  }

  clear(): void {
    this.rooms.clear();
    this.instances.clear();
    this.users.clear();
  }
}
