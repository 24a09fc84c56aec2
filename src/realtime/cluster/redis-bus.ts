/**
 * The bus itself: two Redis connections (commands and publications; the subscriber), the outage
 * state, publish/subscribe of checked bus events, and the bus heartbeat. The room feeds and peer
 * presence build on it and never on each other.
 *
 * Invariants:
 * - Nothing waits on Redis: commands fail at once while disconnected (no offline queue) and time
 *   out when Redis does not answer; callers fall back (local delivery, Postgres fills).
 * - An outage is logged once ("Redis unavailable") however many commands fail, and its end once
 *   ("Redis is back") when both connections are ready again and the pieces have caught up.
 * - The subscriber must hear this instance's own pings; one that stops (a half-open TCP
 *   connection) is replaced, which subscribes again and catches up from Postgres.
 */
import { randomUUID } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import { withTimeout } from '../../lib/timeout.js';
import { decodeBusEvent, encodeBusEvent, type BusEvent } from './bus-events.js';

/** Bus heartbeat: liveness pings, peer heartbeats, retries of failed subscriptions. */
export const HEARTBEAT_MS = 5000;
const SUBSCRIBE_TIMEOUT_MS = 2000;
const CONNECT_WAIT_MS = 5000;
const COMMAND_TIMEOUT_MS = 3000;
/** At most one "dropped a bus frame" line per this long. */
const DROP_LOG_EVERY_MS = 10_000;

export interface BusLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface RedisBusOptions {
  url: string;
  prefix: string;
  log: BusLog;
  instanceId?: string;
}

type Listener<A extends unknown[] = []> = (...args: A) => void | Promise<void>;

export class RedisBus {
  readonly instanceId: string;
  readonly prefix: string;
  /** Commands and publications (also used by the throttles). */
  readonly commands: Redis;
  private readonly subscriber: Redis;
  readonly log: BusLog;
  /** The channel every instance listens to (presence, members, reads, logouts, pings). */
  readonly allChannel: string;
  private readonly eventListeners: Listener<[BusEvent, string]>[] = [];
  private readonly commandsReadyListeners: Listener[] = [];
  private readonly subscriberReadyListeners: Listener<[boolean]>[] = [];
  private readonly beatListeners: Listener[] = [];
  /** Bus events published / received from the others (for /metrics; they only grow). */
  published = 0;
  received = 0;
  private outage: { since: number; reason: string } | null = null;
  private timer: NodeJS.Timeout | null = null;
  private closing = false;
  private everSubscribed = false;
  /** When our own ping last came back through the subscriber, and since when pings go out. */
  private lastSelfHeard = Date.now();
  private pingingSince = 0;
  private dropped = 0;
  private lastDropLog = 0;

  constructor(opts: RedisBusOptions) {
    this.instanceId = opts.instanceId ?? randomUUID();
    this.prefix = opts.prefix;
    this.log = opts.log;
    this.allChannel = `${opts.prefix}all`;
    const common: RedisOptions = {
      lazyConnect: true,
      // Never queue while disconnected: a command fails at once and the caller falls back.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 5000,
      retryStrategy: (times) => Math.min(100 * times, 2000),
    };
    // A command that gets no answer (a paused or unreachable Redis) fails instead of hanging.
    this.commands = new Redis(opts.url, { ...common, commandTimeout: COMMAND_TIMEOUT_MS, connectionName: `${opts.prefix}cmd:${this.instanceId}` });
    this.subscriber = new Redis(opts.url, { ...common, autoResubscribe: false, connectionName: `${opts.prefix}sub:${this.instanceId}` });
    for (const [name, client] of [
      ['commands', this.commands],
      ['subscriber', this.subscriber],
    ] as const) {
      client.on('error', (err: Error) => this.degraded(`${name} connection: ${err.message}`));
      client.on('close', () => {
        if (!this.closing) this.degraded(`${name} connection closed`);
      });
    }
    this.commands.on('ready', () => void this.run(this.commandsReadyListeners));
    this.subscriber.on('ready', () => void this.subscriberReady());
    this.subscriber.on('message', (channel: string, payload: string) => this.receive(channel, payload));
  }

  // ---- wiring ----------------------------------------------------------------------------------

  /** Every checked event from another instance. */
  onEvent(fn: Listener<[BusEvent, string]>): void {
    this.eventListeners.push(fn);
  }

  /** The commands connection is (again) ready. */
  onCommandsReady(fn: Listener): void {
    this.commandsReadyListeners.push(fn);
  }

  /** The subscriber is (again) ready and listens on the all-channel; `recovering` after an outage. */
  onSubscriberReady(fn: Listener<[boolean]>): void {
    this.subscriberReadyListeners.push(fn);
  }

  /** Every HEARTBEAT_MS while running. */
  onBeat(fn: Listener): void {
    this.beatListeners.push(fn);
  }

  // ---- state -----------------------------------------------------------------------------------

  get commandsUp(): boolean {
    return !this.closing && this.commands.status === 'ready';
  }

  get subscriberUp(): boolean {
    return !this.closing && this.subscriber.status === 'ready';
  }

  get up(): boolean {
    return this.commandsUp && this.subscriberUp;
  }

  get isClosing(): boolean {
    return this.closing;
  }

  status(): { healthy: boolean; detail?: string } {
    if (this.up && !this.outage) return { healthy: true };
    return { healthy: false, detail: `redis unavailable${this.outage ? `: ${this.outage.reason}` : ''}` };
  }

  key(name: string): string {
    return `${this.prefix}${name}`;
  }

  roomChannel(roomId: string): string {
    return `${this.prefix}room:${roomId}`;
  }

  /** Logged once per outage, however many commands fail meanwhile. */
  degraded(reason: string): void {
    if (this.closing || this.outage) return;
    this.outage = { since: Date.now(), reason };
    this.log.warn(
      { reason, instanceId: this.instanceId },
      'Redis unavailable: serving local connections only; other instances are not heard until it is back (then gaps are filled from Postgres)',
    );
  }

  /** Ends the outage (logged once) if both connections are up; `details` go into the log line. */
  recovered(details: object = {}): void {
    if (!this.outage || !this.up) return;
    const downMs = Date.now() - this.outage.since;
    this.outage = null;
    this.log.info(
      { instanceId: this.instanceId, downMs, ...details },
      'Redis is back: channels subscribed again and missed messages caught up from Postgres',
    );
  }

  // ---- lifecycle -------------------------------------------------------------------------------

  async start(): Promise<void> {
    const connect = (c: Redis) => c.connect().catch(() => undefined);
    await withTimeout(Promise.all([connect(this.commands), connect(this.subscriber)]), CONNECT_WAIT_MS, 'connecting to Redis').catch(() => undefined);
    if (!this.up) this.degraded('could not connect at start-up');
    this.timer = setInterval(() => void this.beat(), HEARTBEAT_MS);
    this.timer.unref();
    this.log.info({ instanceId: this.instanceId, redis: this.up ? 'connected' : 'unavailable' }, 'cluster mode: Redis bus');
  }

  /** Stops the heartbeat; `last` runs while the commands connection is still open (goodbyes). */
  async close(last?: () => Promise<void>): Promise<void> {
    if (this.closing) return;
    if (this.timer) clearInterval(this.timer);
    if (last && this.commands.status === 'ready') await last().catch(() => undefined);
    this.closing = true;
    this.commands.disconnect();
    this.subscriber.disconnect();
  }

  // ---- publish / subscribe ---------------------------------------------------------------------

  /** Publishes an event; false when it did not go out (already logged as an outage). */
  async publish(channel: string, event: BusEvent): Promise<boolean> {
    return (await this.publishCounted(channel, event)) !== null;
  }

  /** Publishes an event: how many subscriber connections received it (this instance's own included), or null when it did not go out. */
  async publishCounted(channel: string, event: BusEvent): Promise<number | null> {
    if (!this.commandsUp) return null;
    try {
      const receivers = await this.commands.publish(channel, encodeBusEvent(event));
      this.published++;
      return receivers;
    } catch (err) {
      this.degraded(`publish failed: ${(err as Error).message}`);
      return null;
    }
  }

  /** Subscribes to channels; false when the subscriber is down or did not answer in time. */
  async subscribe(channels: string[]): Promise<boolean> {
    if (!channels.length) return true;
    if (!this.subscriberUp) return false;
    try {
      await withTimeout(this.subscriber.subscribe(...channels), SUBSCRIBE_TIMEOUT_MS, 'subscribe');
      return true;
    } catch (err) {
      this.degraded(`subscribe failed: ${(err as Error).message}`);
      return false;
    }
  }

  unsubscribe(channel: string): void {
    if (this.subscriberUp) this.subscriber.unsubscribe(channel).catch(() => undefined);
  }

  // ---- internals -------------------------------------------------------------------------------

  private async run<A extends unknown[]>(listeners: Listener<A>[], ...args: A): Promise<void> {
    for (const fn of listeners) {
      try {
        await fn(...args);
      } catch (err) {
        this.log.error({ err, instanceId: this.instanceId }, 'cluster bus listener failed');
      }
    }
  }

  private async subscriberReady(): Promise<void> {
    if (!(await this.subscribe([this.allChannel]))) return;
    this.lastSelfHeard = Date.now();
    const recovering = this.everSubscribed;
    this.everSubscribed = true;
    await this.run(this.subscriberReadyListeners, recovering);
  }

  private receive(channel: string, payload: string): void {
    const decoded = decodeBusEvent(payload);
    if ('error' in decoded) return this.drop(channel, decoded.error);
    const event = decoded.event;
    if (event.instance === this.instanceId) {
      // Our own publications come back too: only the liveness ping matters.
      if (event.type === 'ping') this.lastSelfHeard = Date.now();
      return;
    }
    this.received++;
    for (const fn of this.eventListeners) {
      try {
        void Promise.resolve(fn(event, channel)).catch((err: unknown) => this.log.error({ err, channel }, 'handling a bus event failed'));
      } catch (err) {
        this.log.error({ err, channel }, 'handling a bus event failed');
      }
    }
  }

  /** A frame that is not a bus event (another version, a stray publisher): dropped, logged now and then. */
  private drop(channel: string, reason: string): void {
    this.dropped++;
    const now = Date.now();
    if (now - this.lastDropLog < DROP_LOG_EVERY_MS) return;
    this.lastDropLog = now;
    this.log.warn({ channel, reason, dropped: this.dropped }, 'dropped a frame on the Redis bus that is not a known event');
    this.dropped = 0;
  }

  private async beat(): Promise<void> {
    if (this.closing) return;
    const pinged = await this.publish(this.allChannel, { type: 'ping', instance: this.instanceId });
    const now = Date.now();
    if (!pinged) this.pingingSince = 0;
    else if (!this.pingingSince) this.pingingSince = now;
    await this.run(this.beatListeners);
    // A subscriber that looks open but has not heard our pings for three beats is replaced.
    if (pinged && this.subscriberUp && now - Math.max(this.lastSelfHeard, this.pingingSince) > 3 * HEARTBEAT_MS) {
      this.degraded('subscriber connection stopped receiving');
      this.lastSelfHeard = now;
      this.subscriber.disconnect(true);
    }
  }
}
