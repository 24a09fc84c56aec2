/**
 * Load shedding (@fastify/under-pressure): while the event loop is stalled, new HTTP requests and
 * WebSocket upgrades get 503 UNAVAILABLE (contract shape, Retry-After) instead of queueing up
 * behind it; sockets already open are not touched.
 *
 * Only the event-loop delay is watched, and generously (mean over 1 s above
 * PRESSURE_MAX_EVENT_LOOP_DELAY_MS, default 1000 ms: the loop was blocked for most of that second,
 * e.g. by a heavy synchronous embedded-database query). Heap, RSS and event-loop utilisation are
 * off: memory grows with the number of open sockets and utilisation is near 100% at the top of the
 * fan-out benchmark, both normal for a chat server, so shedding on them would refuse healthy load
 * and trip tests and benchmarks. /healthz (liveness) always answers, so an orchestrator does not
 * restart a process that is only busy; /metrics
 * answers too (it is how an operator sees the overload).
 *
 * Start-up itself blocks the loop (opening the embedded database, migrations), and the first sample
 * after it would shed the first requests of a healthy, idle instance (its first page load a 503):
 * nothing is shed until two sample intervals after the server is ready.
 */
import fp from 'fastify-plugin';
import underPressure from '@fastify/under-pressure';
import { AppError } from '../lib/errors.js';

class OverloadedError extends AppError {
  constructor() {
    super(503, 'UNAVAILABLE', 'The server is overloaded; retry in a few seconds');
  }
}

const RETRY_AFTER_S = 5;
/** under-pressure's default sample interval. */
const SAMPLE_INTERVAL_MS = 1000;

export default fp(
  async (app) => {
    const maxEventLoopDelay = app.config.maxEventLoopDelayMs;
    if (maxEventLoopDelay === 0) return;
    let judgingFrom = Infinity;
    app.addHook('onReady', async () => {
      judgingFrom = performance.now() + 2 * SAMPLE_INTERVAL_MS;
    });
    await app.register(underPressure, {
      maxEventLoopDelay,
      sampleInterval: SAMPLE_INTERVAL_MS,
      retryAfter: RETRY_AFTER_S,
      customError: OverloadedError,
      // Resolving lets the request through; rejecting hands the error to the error handler.
      pressureHandler: async (request, reply) => {
        // Liveness, and the metrics that show the overload, always answer.
        if (request.url === '/healthz' || request.url === '/metrics') return undefined;
        if (performance.now() < judgingFrom) return undefined;
        reply.header('retry-after', RETRY_AFTER_S);
        throw new OverloadedError();
      },
    });
  },
  { name: 'load-shedding', dependencies: ['services'] },
);
