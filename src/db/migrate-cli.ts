// `npm run db:migrate`: open the configured database, apply migrations, close.
import { loadEnv, parseCoreEnv, ConfigError } from '../config/env.js';
import { knownEnvNames } from '../config/known-names.js';
import { openDatabase } from './client.js';
import { migrateDatabase } from './migrate.js';

try {
  const env = parseCoreEnv(loadEnv(), knownEnvNames());
  const database = await openDatabase({ databaseUrl: env.DATABASE_URL, dataDir: env.DATA_DIR });
  await migrateDatabase(database);
  await database.close();
  console.log(`迁移完成：${database.describe}`);
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : `迁移失败：${(err as Error).message}`);
  process.exit(1);
}
