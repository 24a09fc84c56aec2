/**
 * Presence frames, sent in windows: the changes of PRESENCE_BATCH_MS go out together in one turn,
 * the newest state per user and room, in the order of their last change. A crowd coming and going
 * (a reconnect storm, thousands of users in one room) then costs each socket one write per window
 * instead of one per change, and a user who left and came back within a window costs nothing
 * more than one frame. Presence is not latency-critical; message and member frames are not delayed.
 */
export const PRESENCE_BATCH_MS = 100;

export type PresenceSend = (roomId: string, userId: string, online: boolean) => void;

export class PresenceBatch {
  private pending = new Map<string, Map<string, boolean>>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly send: PresenceSend,
    private readonly windowMs = PRESENCE_BATCH_MS,
  ) {}

  add(roomId: string, userId: string, online: boolean): void {
    let room = this.pending.get(roomId);
    if (!room) this.pending.set(roomId, (room = new Map()));
    room.delete(userId); // re-inserted: ordered by the last change
    room.set(userId, online);
    if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), this.windowMs);
      this.timer.unref();
    }
  }

  /** Sends everything pending now. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const all = this.pending;
    this.pending = new Map();
    for (const [roomId, users] of all) for (const [userId, online] of users) this.send(roomId, userId, online);
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.pending.clear();
  }
}
