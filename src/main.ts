// Composition root: config → database (+ migrations) → adapters → server → outbox → scheduler; and shutdown order.
import { ConfigError, loadEnv, parseCoreEnv } from './config/env.js';
import { knownEnvNames } from './config/known-names.js';
import { openDatabase, type Database } from './db/client.js';
import { DataDirLockedError } from './db/lock.js';
import { installPostgresJsCrashGuard } from './db/postgres-guard.js';
import { migrateDatabase } from './db/migrate.js';
import { adminApi } from './server/admin-api.js';
import { buildApp } from './server/app.js';
import { createAdapters } from '../bots/index.js';
import type { ChatAdapter } from '../bots/adapter.js';
import { createInboxDispatch } from './inbound/inbox.js';
import { ensureDefaultTenant } from './services/tenants.js';
import { startBackground } from './background.js';

async function main() {
  const raw = loadEnv();
  const problems: string[] = [];
  let env;
  try {
    env = parseCoreEnv(raw, knownEnvNames());
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(...err.problems);
  }
  const platforms = createAdapters(raw);
  problems.push(...platforms.problems);
  if (problems.length > 0 || !env) throw new ConfigError(problems);

  if (env.DATABASE_URL) installPostgresJsCrashGuard((m) => console.warn(m));
  const database: Database = await openDatabase({ databaseUrl: env.DATABASE_URL, dataDir: env.DATA_DIR });
  let app: Awaited<ReturnType<typeof buildApp>> | undefined;
  let background: { stop(): Promise<void> } | undefined;
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app?.log.info({ signal }, '正在停止 (shutting down)');
    await app?.close(); // stop accepting, finish in-flight requests
    await background?.stop();
    await database.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));

  await migrateDatabase(database);
  await ensureDefaultTenant(database.db, { name: env.DEFAULT_TENANT_NAME, timeZone: env.TZ_DEFAULT });
  const adapters = platforms.build({
    db: database.db,
    dataDir: env.DATA_DIR,
    log: { warn: (o, m) => app?.log.warn(o, m), error: (o, m) => app?.log.error(o, m) },
  });
  let kick = () => {};
  const dispatchDeps = {
    db: database.db,
    defaultTimeZone: env.TZ_DEFAULT,
    defaultTenantName: env.DEFAULT_TENANT_NAME,
    onQueued: () => kick(),
    lookupName: async (platform: ChatAdapter['platform'], id: string) => (await adapters.find((a) => a.platform === platform)?.lookupUser?.(id))?.name,
  };
  // Messages are recorded and acknowledged at once, then processed by the background loop (src/inbound/inbox.ts).
  const dispatch = createInboxDispatch({ ...dispatchDeps, onAccepted: () => kick() });
  app = await buildApp({
    db: database.db,
    adapters,
    dispatch,
    logLevel: env.LOG_LEVEL,
    plugins: [adminApi(database.db, env.ADMIN_TOKEN)],
  });
  const log = app.log;
  await app.listen({ port: env.PORT, host: env.HOST });
  const bg = startBackground({ db: database.db, adapters, dispatch, inbox: dispatchDeps, log: { warn: (o, m) => log.warn(o, m), error: (o, m) => log.error(o, m) } });
  background = bg;
  kick = () => bg.kick();
  app.log.info(
    { database: database.describe, platforms: adapters.map((a) => a.platform) },
    `ChatCRM 已启动：数据库 ${database.describe}；已启用平台 ${adapters.map((a) => a.platform).join(', ')}`,
  );
  console.log(`ChatCRM 已启动 → http://${env.HOST}:${env.PORT}  数据库：${database.describe}  平台：${adapters.map((a) => a.platform).join(', ')}`);
}

main().catch((err) => {
  if (err instanceof ConfigError || err instanceof DataDirLockedError) console.error(err.message);
  else console.error(`启动失败：${(err as Error).message}`);
  process.exit(1);
});
