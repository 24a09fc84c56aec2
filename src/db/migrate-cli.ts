/**
 * `npm run db:migrate`: applies drizzle/ migrations to the configured database and exits. On the
 * embedded database it refuses (exit 75) while a server holds DATA_DIR: the server migrates at start.
 */
import { loadConfig } from '../config.js';
import { exitOnStartupError } from '../lib/startup-errors.js';
import { openDatabase } from './client.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  await database.close();
  console.log(`migrations applied (${database.kind})`);
}

main().catch(exitOnStartupError);
