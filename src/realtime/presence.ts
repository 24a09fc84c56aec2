/**
 * Who is online, per room. A user goes online with their first connection and offline
 * PRESENCE_GRACE_MS after their last one closes, so a page reload does not flicker.
 * A room's entry keeps the room id every online member's room set holds: one string per room,
 * not one per member (each connect's read of the user's rooms brings its own copies).
 */
type Emit = (roomId: string, userId: string, online: boolean) => void;

/** What other instances know (the cluster-wide union); set when several instances share a bus. */
export interface PresenceView {
  onlineIn(roomId: string): string[];
  isOnline(userId: string): boolean;
}

/** The users online in a room here, and the one copy of its id that their room sets share. */
interface RoomOnline {
  readonly roomId: string;
  readonly users: Set<string>;
}

interface UserState {
  conns: number;
  rooms: Set<string>;
  offlineTimer: NodeJS.Timeout | null;
}

export class Presence {
  private readonly users = new Map<string, UserState>();
  private readonly roomOnline = new Map<string, RoomOnline>();
  private view: PresenceView | null = null;

  constructor(
    private readonly graceMs: number,
    private readonly emit: Emit,
  ) {}

  /** A connection of the user is up and its rooms are known. */
  connected(userId: string, roomIds: string[]): void {
    let state = this.users.get(userId);
    if (state) {
      state.conns++;
      if (state.offlineTimer) {
        clearTimeout(state.offlineTimer);
        state.offlineTimer = null;
      }
      for (const roomId of roomIds) this.joined(userId, roomId);
      return;
    }
    state = { conns: 1, rooms: new Set(), offlineTimer: null };
    this.users.set(userId, state);
    for (const roomId of roomIds) this.joined(userId, roomId);
  }

  disconnected(userId: string): void {
    const state = this.users.get(userId);
    if (!state) return;
    state.conns--;
    if (state.conns > 0) return;
    if (this.graceMs === 0) return this.goOffline(userId);
    state.offlineTimer = setTimeout(() => this.goOffline(userId), this.graceMs);
    state.offlineTimer.unref();
  }

  /** The user joined a room (or was found a member at connect): counts there if online. */
  joined(userId: string, roomId: string): void {
    const state = this.users.get(userId);
    if (!state || state.rooms.has(roomId)) return;
    let room = this.roomOnline.get(roomId);
    if (!room) {
      room = { roomId, users: new Set() };
      this.roomOnline.set(roomId, room);
    }
    room.users.add(userId);
    state.rooms.add(room.roomId);
    this.emit(roomId, userId, true);
  }

  left(userId: string, roomId: string): void {
    const state = this.users.get(userId);
    if (!state || !state.rooms.delete(roomId)) return;
    this.removeFromRoom(userId, roomId);
    this.emit(roomId, userId, false);
  }

  /** Answers `onlineIn`/`isOnline` cluster-wide from now on (this instance's changes still come from here). */
  useView(view: PresenceView): void {
    this.view = view;
  }

  onlineIn(roomId: string): string[] {
    if (this.view) return this.view.onlineIn(roomId);
    return [...(this.roomOnline.get(roomId)?.users ?? [])];
  }

  /** Users online in the room on THIS instance (members with a connection here, or in their grace period). */
  localUsersIn(roomId: string): Iterable<string> {
    return this.roomOnline.get(roomId)?.users ?? [];
  }

  isOnline(userId: string): boolean {
    return this.users.has(userId) || (this.view?.isOnline(userId) ?? false);
  }

  close(): void {
    for (const state of this.users.values()) if (state.offlineTimer) clearTimeout(state.offlineTimer);
    this.users.clear();
    this.roomOnline.clear();
  }

  private goOffline(userId: string): void {
    const state = this.users.get(userId);
    if (!state || state.conns > 0) return;
    this.users.delete(userId);
    for (const roomId of state.rooms) {
      this.removeFromRoom(userId, roomId);
      this.emit(roomId, userId, false);
    }
  }

  private removeFromRoom(userId: string, roomId: string): void {
    const room = this.roomOnline.get(roomId);
    if (!room) return;
    room.users.delete(userId);
    if (room.users.size === 0) this.roomOnline.delete(roomId);
  }
}
