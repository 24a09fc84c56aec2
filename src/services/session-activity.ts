/**
 * sessions.last_seen_at, kept cheap: a request (or a WebSocket upgrade) only notes the time in
 * memory; a timer writes everything noted since the previous flush in ONE statement
 * (`touchSessions`: UPDATE ... FROM unnest), so each session is written at most once per
 * SESSION_LAST_SEEN_FLUSH_MS per instance, however busy it is. Pending times are flushed on
 * shutdown too. Lost on a crash: at most one interval of "last seen" (never a session).
 *
 * Readers on this instance see the pending value (`pendingFor`), so a user's own session list is
 * current where they are; other instances' pending values appear after their next flush.
 */
import type { SessionTouch } from '../repositories/users-repository.js';

export interface SessionActivityOptions {
  flushMs: number;
  touch: (touches: SessionTouch[]) => Promise<number>;
  log: { warn(obj: object, msg: string): void };
  now?: () => number;
}

export class SessionActivity {
  private pending = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private readonly now: () => number;
  /** Statements written and sessions they carried (tests count them). */
  flushes = 0;
  touched = 0;

  constructor(private readonly opts: SessionActivityOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** The session was used now (memory only). */
  seen(sessionId: string): void {
    this.pending.set(sessionId, this.now());
  }

  /** A noted but not yet written time for the session. */
  pendingFor(sessionId: string): Date | null {
    const at = this.pending.get(sessionId);
    return at === undefined ? null : new Date(at);
  }

  /** The session ended: nothing to write for it. */
  forget(sessionIds: readonly string[]): void {
    for (const id of sessionIds) this.pending.delete(id);
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.flush(), this.opts.flushMs);
    this.timer.unref();
  }

  /** Writes everything noted so far in one statement; a failed write keeps the times for the next one. */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing.then(() => this.flush());
    if (!this.pending.size) return Promise.resolve();
    const batch = this.pending;
    this.pending = new Map();
    const touches = [...batch].map(([id, at]) => ({ id, at: new Date(at) }));
    this.flushing = this.opts
      .touch(touches)
      .then((n) => {
        this.flushes++;
        this.touched += n;
      })
      .catch((err: unknown) => {
        for (const [id, at] of batch) if (!this.pending.has(id)) this.pending.set(id, at);
        this.opts.log.warn({ err, sessions: batch.size }, 'writing session last-seen times failed; retried at the next flush');
      })
      .finally(() => {
        this.flushing = null;
      });
    return this.flushing;
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
  }
}
