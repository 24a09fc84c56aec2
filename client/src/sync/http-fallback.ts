import { api, isApiError } from '../lib/api';
import type { LogEvent } from '../lib/wire';
import type { AppStore } from '../store';

/**
 * The HTTP fallback: when the socket cannot connect at all (FALLBACK_AFTER_FAILURES in
 * connection.ts) while the server itself answers, messages go out with POST and the room log comes
 * in by polling `GET …/events?after=` (the applied log position) every POLL_INTERVAL_MS: each event
 * is exactly the frame a subscriber gets, so it goes through the same frame handlers and edits,
 * deletions and reactions arrive as they do on the socket; the socket keeps trying meanwhile, and `stop()` ends the
 * fallback as soon as it is back. At most one poll runs at a time.
 */

export const POLL_INTERVAL_MS = 3_000;
/** In fallback mode the sidebar (other rooms) refreshes every this many polls. */
const ROOMS_REFRESH_EVERY = 4;
/** Pages of `events?after=` fetched per room and poll, at most. */
const MAX_PAGES_PER_POLL = 10;

export interface FallbackDeps {
  store: AppStore;
  isSocketOpen(): boolean;
  /** One event of a room's log, as the socket would have delivered it. */
  applyEvent(event: LogEvent): void;
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
        const applied = timeline.appliedSeq;
        const known = store.getState().rooms[roomId]?.lastSeq ?? 0;
        if (roomId !== active && known <= applied) continue;
        let after = applied;
        for (let page = 0; page < MAX_PAGES_PER_POLL; page++) {
          const { events, hasMore } = await api.events(roomId, after, 100);
          const last = events[events.length - 1];
          if (!last) break;
          for (const event of events) this.deps.applyEvent(event);
          if (!hasMore) break;
          after = eventSeq(last);
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

function eventSeq(e: LogEvent): number {
  return e.type === 'message' ? e.message.seq : e.seq;
}
