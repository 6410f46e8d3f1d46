// THE composition root: configuration → database (+ migrations) → adapters → dispatch (the inbox path) → fastify
// server → background work (inbox drainers, one outbox lane per platform app, scheduler), and the order to close
// them. src/main.ts and the tests (test/helpers/server.ts) both build the app here, so the tests run production.
import { availableParallelism, hostname } from 'node:os';
import type { FastifyInstance } from 'fastify';
import type { ChatAdapter, SignInFlow } from './adapter.js';
import { createAdapters, type AdapterDeps } from '../bots/index.js';
import { startBackground, type Background, type Logger } from './background.js';
import { ConfigError, parseCoreEnv, type CoreEnv } from './config/env.js';
import { knownEnvNames } from './config/known-names.js';
import { openDatabase, type Database } from './db/client.js';
import { migrateDatabase } from './db/migrate.js';
import { installPostgresJsCrashGuard } from './db/postgres-guard.js';
import type { DispatchDeps } from './inbound/dispatch.js';
import { createInboxDispatch } from './inbound/inbox.js';
import { ackPriority } from './server/ack-priority.js';
import { dashboard } from './server/dashboard/index.js';
import { adminApi } from './server/admin-api.js';
import { readConsoleSecret } from './server/local-secret.js';
import { localTools } from './server/local-tools.js';
import { createImportJobs } from './import/jobs.js';
import { buildApp } from './server/app.js';
import { ensureDefaultTenant } from './services/tenants.js';

/** How long a stopping server lets in-flight HTTP requests finish before it closes their connections. */
const HTTP_CLOSE_GRACE_MS = 5000;

export interface ComposeOverrides {
  /** An open database (tests); the app migrates it but leaves closing it to the caller. */
  database?: Database;
  /** The code's clock (tests move time with it). */
  now?: () => Date;
  /** Log lines as JSON, one per line (tests read them). */
  logStream?: { write(line: string): void };
  /** How often idle loops look for work they were not told about, ms (default 1000). */
  pollMs?: number;
  /** Run the minute scheduler (default true). */
  scheduler?: boolean;
  instanceId?: string;
  /** Long-connection timings: heartbeat, silence bound, backoff (tests shorten them). */
  longConnection?: AdapterDeps['longConnection'];
}

export interface ComposedApp {
  env: CoreEnv;
  database: Database;
  server: FastifyInstance;
  adapters: ChatAdapter[];
  background: Background;
  log: Logger;
  /** Stops accepting, finishes in-flight requests, stops background work, closes the database (if ours). */
  close(): Promise<void>;
}

export async function composeApp(raw: Record<string, string | undefined>, overrides: ComposeOverrides = {}): Promise<ComposedApp> {
  const problems: string[] = [];
  let env: CoreEnv | undefined;
  try {
    env = parseCoreEnv(raw, knownEnvNames());
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(...err.problems);
  }
  const platforms = createAdapters(raw, env ? { timeoutMs: env.CHATCRM_PLATFORM_TIMEOUT_MS } : {});
  problems.push(...platforms.problems);
  if (problems.length > 0 || !env) throw new ConfigError(problems);

  if (!overrides.database && env.DATABASE_URL) installPostgresJsCrashGuard((m) => console.warn(m));
  const database = overrides.database ?? (await openDatabase({ databaseUrl: env.DATABASE_URL, dataDir: env.DATA_DIR }));
  const ownDatabase = !overrides.database;
  try {
    await migrateDatabase(database);
    await ensureDefaultTenant(database.db, { name: env.DEFAULT_TENANT_NAME, timeZone: env.TZ_DEFAULT });
  } catch (err) {
    if (ownDatabase) await database.close().catch(() => {});
    throw err;
  }

  // The server's logger is everyone's logger; until it exists, lines go nowhere (nothing runs before it does).
  let server: FastifyInstance | undefined;
  const log: Logger = {
    info: (o, m) => server?.log.info(o, m),
    warn: (o, m) => server?.log.warn(o, m),
    error: (o, m) => server?.log.error(o, m),
  };
  const adapters = await platforms.build({ db: database.db, dataDir: env.DATA_DIR, log, ...(overrides.longConnection ? { longConnection: overrides.longConnection } : {}) });
  let background: Background | undefined;
  const inbox: DispatchDeps = {
    db: database.db,
    defaultTimeZone: env.TZ_DEFAULT,
    defaultTenantName: env.DEFAULT_TENANT_NAME,
    publicUrl: publicUrlOf(env),
    log,
    ...(overrides.now ? { now: overrides.now } : {}),
    onQueued: () => background?.kickOutbox(),
    lookupName: async (platform, id) => (await adapters.find((a) => a.platform === platform)?.lookupUser?.(id))?.name,
  };
  // Messages are recorded and acknowledged at once, then run by the inbox drainers (src/inbound/inbox.ts).
  const dispatch = createInboxDispatch({ ...inbox, onAccepted: () => background?.kickInbox() });
  // Import jobs (admin API, the dashboard and the local tools share them: one import at a time per server); jobs a
  // previous process left running are marked interrupted before anything can start one.
  const instanceId = overrides.instanceId ?? env.CHATCRM_INSTANCE_ID ?? `${hostname()}:${process.pid}`;
  const imports = createImportJobs(database.db, database.describe, { log, dataDir: env.DATA_DIR, instanceId, ...(overrides.now ? { now: overrides.now } : {}) });
  await imports.recover(database.driver === 'pglite');
  server = await buildApp({
    db: database.db,
    adapters,
    dispatch,
    logLevel: env.LOG_LEVEL,
    ...(overrides.logStream ? { logStream: overrides.logStream } : {}),
    plugins: [adminApi(database.db, env.ADMIN_TOKEN, imports), dashboard(database.db, { publicUrl: publicUrlOf(env), signIn: signInFlows(adapters), imports, onQueued: () => background?.kickOutbox(), ...(overrides.now ? { now: overrides.now } : {}) }), localTools(database.db, readConsoleSecret(env.DATA_DIR, { create: true })!, imports)],
  });
  // Callbacks are answered before the drainers start their next message (src/server/ack-priority.ts).
  const acks = ackPriority(server);
  const rate = {
    ...(env.CHATCRM_RATE_WECOM ? { wecom: env.CHATCRM_RATE_WECOM } : {}),
    ...(env.CHATCRM_RATE_FEISHU ? { feishu: env.CHATCRM_RATE_FEISHU } : {}),
    ...(env.CHATCRM_RATE_DINGTALK ? { dingtalk: env.CHATCRM_RATE_DINGTALK } : {}),
  };
  background = startBackground({
    db: database.db,
    adapters,
    dispatch,
    inbox,
    log,
    // PGlite has one connection: more drainers would only queue behind each other.
    // On PostgreSQL, by default one per core up to 4: on 2 cores, 4 drainers cost more CPU per command (their
    // backends and the acknowledging server fight for the cores) and finished a burst at half the rate of 2.
    drainers: database.describe.startsWith('PostgreSQL') ? (env.CHATCRM_INBOX_DRAINERS ?? Math.min(4, Math.max(1, availableParallelism()))) : 1,
    ratePerSecond: rate,
    turn: acks.turn,
    leaseMs: env.CHATCRM_OUTBOX_LEASE_MS,
    ...(overrides.now ? { now: overrides.now } : {}),
    ...(overrides.pollMs ? { pollMs: overrides.pollMs } : {}),
    ...(overrides.scheduler === false ? { scheduler: false } : {}),
    instanceId,
  });
  const bg = background;
  const app = server;
  let closing: Promise<void> | undefined;
  return {
    env,
    database,
    server: app,
    adapters,
    background: bg,
    log,
    close() {
      closing ??= (async () => {
        // Stop accepting and finish in-flight requests (src/server/app.ts closes their keep-alive sockets as
        // they finish); a client that still holds a connection after the grace period is cut off.
        const force = setTimeout(() => app.server.closeAllConnections(), HTTP_CLOSE_GRACE_MS);
        const http = app.close().finally(() => clearTimeout(force));
        // Meanwhile the drainers finish the message they run and the lanes the rows they are sending; what
        // they had not begun stays pending for the next start (or another process). A message acknowledged
        // now is recorded in the inbox like any other.
        // A running import stops at its next slice (its committed batches stay; running the file again finishes it).
        await Promise.all([http, bg.stop(), imports.close()]);
        if (ownDatabase) await database.close();
      })();
      return closing;
    },
  };
}

/** Each platform's dashboard sign-in, from its own app's adapter (the WeCom robot has none: the self-built app signs in). */
function signInFlows(adapters: ChatAdapter[]): Partial<Record<ChatAdapter['platform'], SignInFlow>> {
  return Object.fromEntries(adapters.flatMap((a) => (a.signIn ? [[a.platform, a.signIn]] : [])));
}

/** CHATCRM_PUBLIC_URL, or this server's own address (a wildcard host is reached through loopback). */
export function publicUrlOf(env: { CHATCRM_PUBLIC_URL?: string | undefined; HOST: string; PORT: number }): string {
  if (env.CHATCRM_PUBLIC_URL) return env.CHATCRM_PUBLIC_URL.replace(/\/$/, '');
  const host = env.HOST === '0.0.0.0' || env.HOST === '::' ? '127.0.0.1' : env.HOST.includes(':') ? `[${env.HOST}]` : env.HOST;
  return `http://${host}:${env.PORT}`;
}
