/** Boot only: read config, build the app, listen, and close with grace on SIGINT/SIGTERM. */
import { buildApp } from './app.js';
import { loadConfig } from './config.js';
import { exitOnStartupError } from './lib/startup-errors.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const app = await buildApp({ config });
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down: finishing in-flight writes');
    const force = setTimeout(() => {
      app.log.error('shutdown took too long; exiting');
      process.exit(1);
    }, 15_000);
    force.unref();
    // server.close() ends only the connections idle when it is called; one that finishes a long
    // response later is ended as soon as it is idle, not after the keep-alive timeout.
    const reaper = setInterval(() => app.server.closeIdleConnections(), 250);
    reaper.unref();
    app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        app.log.error({ err }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));

  await app.listen({ port: config.port, host: config.host, backlog: config.listenBacklog });
  app.log.info(
    { database: app.database.kind, dataDir: app.database.kind === 'embedded' ? config.dataDir : undefined },
    'RtChat is ready',
  );
}

main().catch(exitOnStartupError);
