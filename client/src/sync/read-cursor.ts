import { api } from '../lib/api';
import type { AppStore } from '../store';
import type { Connection } from './connection';

/**
 * The read cursor of each room: moved locally at once, sent to the server only when it moved
 * past what was last sent or confirmed (over the socket, or HTTP when the socket is down).
 * `lastSent` only grows, except when an HTTP send failed (so the next move tries again).
 */
export class ReadCursor {
  private readonly lastSent = new Map<string, number>();

  constructor(private readonly deps: { store: AppStore; connection: Pick<Connection, 'isOpen' | 'send'> }) {}

  markRead(roomId: string, seq: number): void {
    const { store, connection } = this.deps;
    store.getState().markReadLocal(roomId, seq);
    if ((this.lastSent.get(roomId) ?? 0) >= seq) return;
    const room = store.getState().rooms[roomId];
    if (room && room.lastReadSeq > seq) return;
    this.lastSent.set(roomId, seq);
    if (connection.isOpen) connection.send({ type: 'read', roomId, seq });
    else
      void api.read(roomId, seq).catch(() => {
        this.lastSent.delete(roomId);
      });
  }

  /** A `read` frame: this user read up to `seq` (here or in another tab). */
  confirmed(roomId: string, seq: number): void {
    this.deps.store.getState().markReadLocal(roomId, seq);
    this.lastSent.set(roomId, Math.max(this.lastSent.get(roomId) ?? 0, seq));
  }

  clear(): void {
    this.lastSent.clear();
  }
}
