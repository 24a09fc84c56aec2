import { api, isApiError } from '../lib/api';
import { lastSeqOf } from '../lib/timeline';
import type { AppStore } from '../store';
import { announceIncoming } from './frames';

/**
 * The HTTP fallback: when the socket cannot connect at all (FALLBACK_AFTER_FAILURES in
 * connection.ts) while the server itself answers, messages go out with POST and come in by polling
 * `?after=` every POLL_INTERVAL_MS; the socket keeps trying meanwhile, and `stop()` ends the
 * fallback as soon as it is back. At most one poll runs at a time.
 */

export const POLL_INTERVAL_MS = 3_000;
/** In fallback mode the sidebar (other rooms) refreshes every this many polls. */
const ROOMS_REFRESH_EVERY = 4;
/** Pages of `?after=` fetched per room and poll, at most. */
const MAX_PAGES_PER_POLL = 10;

export interface FallbackDeps {
  store: AppStore;
  userId: string;
  isSocketOpen(): boolean;
  refreshRooms(): Promise<void>;
  flushOutbox(): void;
  /** The probe said 401: the session is over. */
  onSessionEnded(): void;
}

export class HttpFallback {
  private timer: ReturnType<typeof setInterval> | null = null;
  private tick = 0;
  private polling = false;

  constructor(private readonly deps: FallbackDeps) {}

  async enter(): Promise<void> {
    const { store } = this.deps;
    try {
      await api.me();
    } catch (err) {
      if (isApiError(err) && err.status === 401) this.deps.onSessionEnded();
      return; // The server is unreachable too: nothing to fall back to.
    }
    if (this.deps.isSocketOpen() || store.getState().connection.transport === 'http') return;
    store.getState().setConnection({ transport: 'http' });
    this.tick = 0;
    this.timer = setInterval(() => void this.poll(), POLL_INTERVAL_MS);
    void this.poll();
    this.deps.flushOutbox();
  }

  /** Back on the socket (or stopping): no more polling. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const { store } = this.deps;
    if (store.getState().connection.transport === 'http') store.getState().setConnection({ transport: 'ws' });
  }

  private async poll(): Promise<void> {
    const { store } = this.deps;
    if (this.polling || store.getState().connection.offline) return;
    this.polling = true;
    try {
      this.tick += 1;
      if (this.tick % ROOMS_REFRESH_EVERY === 1) await this.deps.refreshRooms();
      const active = store.getState().activeRoomId;
      for (const [roomId, timeline] of Object.entries(store.getState().timelines)) {
        if (!timeline.loaded) continue;
        const held = lastSeqOf(timeline.messages) ?? 0;
        const known = store.getState().rooms[roomId]?.lastSeq ?? 0;
        if (roomId !== active && known <= held) continue;
        let after = held;
        for (let page = 0; page < MAX_PAGES_PER_POLL; page++) {
          const { messages, hasMore } = await api.messages(roomId, { after, limit: 100 });
          const last = messages[messages.length - 1];
          if (!last) break;
          store.getState().receiveMessages(roomId, messages);
          announceIncoming(store, this.deps.userId, last);
          if (!hasMore) break;
          after = last.seq;
        }
      }
      this.deps.flushOutbox();
    } catch {
      /* the next tick tries again */
    } finally {
      this.polling = false;
    }
  }
}
