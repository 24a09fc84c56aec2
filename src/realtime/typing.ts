/** Typing indicators that expire by themselves TYPING_TTL_MS after the last refresh. */
import { TYPING_TTL_MS, type User } from '../protocol.js';

type Emit = (roomId: string, user: User, isTyping: boolean) => void;

interface Entry {
  timer: NodeJS.Timeout;
  connectionId: number;
  user: User;
}

export class TypingTracker {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly emit: Emit,
    private readonly ttlMs = TYPING_TTL_MS,
  ) {}

  update(roomId: string, user: User, isTyping: boolean, connectionId: number): void {
    const key = `${roomId}:${user.id}`;
    const existing = this.entries.get(key);
    if (existing) clearTimeout(existing.timer);
    if (!isTyping) {
      this.entries.delete(key);
      if (existing) this.emit(roomId, user, false);
      return;
    }
    const timer = setTimeout(() => this.stop(key, roomId), this.ttlMs);
    timer.unref();
    this.entries.set(key, { timer, connectionId, user });
    this.emit(roomId, user, true);
  }

  /** A connection went away or unsubscribed: whatever it was typing stops now. */
  clearConnection(connectionId: number, roomId?: string): void {
    for (const [key, entry] of this.entries) {
      if (entry.connectionId !== connectionId) continue;
      const entryRoom = key.slice(0, key.indexOf(':'));
      if (roomId && entryRoom !== roomId) continue;
      this.stop(key, entryRoom);
    }
  }

  close(): void {
    for (const entry of this.entries.values()) clearTimeout(entry.timer);
    this.entries.clear();
  }

  private stop(key: string, roomId: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.entries.delete(key);
    this.emit(roomId, entry.user, false);
  }
}
