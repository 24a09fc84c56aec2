/**
 * Prometheus metrics of this process (`GET /metrics`, routes/metrics.ts), on a registry of its
 * own (several apps in one test process never mix).
 *
 * Invariants:
 * - Nothing here is on the hot path: the real-time core, the bus and the upload service count in
 *   plain numbers (realtime/realtime-stats.ts, RedisBus.published/received,
 *   UploadService.receivedBytes) and this module copies them into the registry when scraped.
 *   Only the writer's per-batch observations (a few hundred a second at most) touch prom-client.
 * - No label names a room, a user or anything else that grows: the only label is a batch's
 *   `kind` (send | op), so the series count is fixed.
 * - Counters only grow (rate() gives per second); gauges are read at scrape time.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { LogEvent } from '../realtime/log-event.js';
import type { Hub } from '../realtime/hub.js';
import type { RedisBus } from '../realtime/cluster/redis-bus.js';
import type { OrderingWaits } from '../realtime/cluster/room-feeds.js';
import type { BatchObserver } from './message-writer.js';

export interface MetricsSources {
  hub: Hub;
  /** The Redis bus when REDIS_URL is set (its metrics exist only then). */
  bus: RedisBus | null;
  /** Bytes of upload parts received so far. */
  uploadBytes: () => number;
  /** With the Redis bus: events that waited for earlier seqs before delivery, and the summed wait. */
  ordering?: Readonly<OrderingWaits> | null;
}

const BATCH_SIZES = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512];
const BATCH_SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/** A counter whose value is copied from `read()` on every scrape. */
function mirroredCounter(registry: Registry, name: string, help: string, read: () => number): void {
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      this.reset();
      this.inc(read());
    },
  });
}

function mirroredGauge(registry: Registry, name: string, help: string, read: () => number): void {
  new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      this.set(read());
    },
  });
}

export class Metrics {
  readonly registry = new Registry();
  private messagesStored = 0;
  private eventsStored = 0;
  private readonly batchSize: Histogram<'kind'>;
  private readonly batchSeconds: Histogram<'kind'>;
  private readonly batchFailures: Counter<'kind'>;

  constructor(sources: MetricsSources) {
    const r = this.registry;
    collectDefaultMetrics({ register: r });
    const { hub, bus } = sources;
    mirroredGauge(r, 'rtchat_websocket_connections', 'Open WebSocket connections on this instance', () => {
      let n = 0;
      for (const _conn of hub.registry.all()) n++;
      return n;
    });
    mirroredGauge(r, 'rtchat_websocket_subscriptions', 'Room subscriptions of the open connections on this instance', () => {
      let n = 0;
      for (const conn of hub.registry.all()) n += conn.subs.size;
      return n;
    });
    mirroredCounter(r, 'rtchat_messages_stored_total', 'Messages stored by this instance', () => this.messagesStored);
    mirroredCounter(r, 'rtchat_log_events_stored_total', 'Edits, deletions and reactions stored by this instance', () => this.eventsStored);
    mirroredCounter(r, 'rtchat_fanout_deliveries_total', 'Frames handed to WebSocket connections (each subscriber of a broadcast counts once)', () => hub.stats.deliveries);
    mirroredCounter(r, 'rtchat_ephemeral_dropped_total', 'Typing, presence, member and read frames dropped for backed-up connections', () => hub.stats.droppedEphemeral);
    mirroredCounter(r, 'rtchat_websocket_too_slow_closes_total', 'Connections closed with 4009 (too slow to keep up)', () => hub.stats.tooSlowCloses);
    mirroredCounter(r, 'rtchat_upload_bytes_total', 'Bytes of upload parts received', sources.uploadBytes);
    if (bus) {
      mirroredGauge(r, 'rtchat_redis_bus_connected', '1 while both Redis connections are up and no outage is being handled, else 0', () => (bus.status().healthy ? 1 : 0));
      mirroredCounter(r, 'rtchat_redis_bus_published_total', 'Bus events published to Redis', () => bus.published);
      mirroredCounter(r, 'rtchat_redis_bus_received_total', 'Bus events received from other instances', () => bus.received);
    }
    const { ordering } = sources;
    if (ordering) {
      mirroredCounter(r, 'rtchat_ordering_waits_total', "Room log events that waited for earlier seqs (another instance's) before delivery here", () => ordering.waited);
      mirroredCounter(r, 'rtchat_ordering_wait_seconds_total', 'Summed time those events waited (divide by rtchat_ordering_waits_total for the mean)', () => ordering.waitedMs / 1000);
    }
    this.batchSize = new Histogram({ name: 'rtchat_write_batch_size', help: 'Items per group-commit batch', labelNames: ['kind'], buckets: BATCH_SIZES, registers: [r] });
    this.batchSeconds = new Histogram({
      name: 'rtchat_write_batch_seconds',
      help: 'Time from the start of a batch write until its callers were answered',
      labelNames: ['kind'],
      buckets: BATCH_SECONDS,
      registers: [r],
    });
    this.batchFailures = new Counter({ name: 'rtchat_write_batch_failures_total', help: 'Batches that failed as a whole (their senders got an error)', labelNames: ['kind'], registers: [r] });
  }

  /** For the writer's onCommit: one committed log event of this instance. */
  committed(event: LogEvent): void {
    if (event.frame.type === 'message') this.messagesStored++;
    else this.eventsStored++;
  }

  /** The writer's batch observer. */
  readonly batch: BatchObserver = ({ kind, size, ms, ok }) => {
    this.batchSize.observe({ kind }, size);
    this.batchSeconds.observe({ kind }, ms / 1000);
    if (!ok) this.batchFailures.inc({ kind });
  };

  get contentType(): string {
    return this.registry.contentType;
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
