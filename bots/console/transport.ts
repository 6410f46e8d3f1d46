// How the console CLI reaches the core: in-process on the database, or over the signed loopback route of a
// running server (PGlite is single-process, so while `npm start` runs, the CLI talks to it).
import { join } from 'node:path';
import type { CoreEnv } from '../../src/config/env.js';
import { openDatabase } from '../../src/db/client.js';
import { DataDirLockedError } from '../../src/db/lock.js';
import { migrateDatabase } from '../../src/db/migrate.js';
import { createDispatch } from '../../src/inbound/dispatch.js';
import { createOutboxWorker } from '../../src/outbox/worker.js';
import { ensureDefaultTenant } from '../../src/services/tenants.js';
import type { DispatchOutcome } from '../../src/adapter.js';
import { consoleEvent, createConsoleAdapter, signConsoleRequest, type ConsoleRequest } from './adapter.js';
import { readConsoleSecret } from '../../src/server/local-secret.js';

export interface Transport {
  describe: string;
  send(req: ConsoleRequest): Promise<DispatchOutcome>;
  /** Collects mailbox entries once delivery has settled. */
  settle<T>(take: () => T[]): Promise<T[]>;
  close(): Promise<void>;
}

export async function openTransport(env: CoreEnv): Promise<Transport> {
  try {
    return await direct(env);
  } catch (err) {
    if (!(err instanceof DataDirLockedError)) throw err;
    return viaServer(env);
  }
}

async function direct(env: CoreEnv): Promise<Transport> {
  const database = await openDatabase({ databaseUrl: env.DATABASE_URL, dataDir: env.DATA_DIR, max: 2 });
  await migrateDatabase(database);
  await ensureDefaultTenant(database.db, { name: env.DEFAULT_TENANT_NAME, timeZone: env.TZ_DEFAULT });
  const adapter = createConsoleAdapter({ mailboxDir: join(env.DATA_DIR, 'console') });
  const worker = createOutboxWorker({ db: database.db, adapters: [adapter] });
  const dispatch = createDispatch({ db: database.db, defaultTimeZone: env.TZ_DEFAULT, defaultTenantName: env.DEFAULT_TENANT_NAME });
  return {
    describe: database.describe,
    send: (req) => dispatch(consoleEvent(req)),
    async settle(take) {
      await worker.drain();
      return take();
    },
    close: () => database.close(),
  };
}

function viaServer(env: CoreEnv): Transport {
  const secret = readConsoleSecret(env.DATA_DIR, { create: false });
  if (!secret) throw new Error('服务正在运行，但找不到 console.key，请重启服务后再试。');
  const host = env.HOST === '0.0.0.0' ? '127.0.0.1' : env.HOST;
  const url = `http://${host}:${env.PORT}/bots/console/message`;
  return {
    describe: `通过运行中的服务 ${url}`,
    async send(req) {
      const body = JSON.stringify(req);
      const ts = String(Date.now());
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-console-timestamp': ts, 'x-console-signature': signConsoleRequest(secret, ts, body) },
        body,
      });
      if (!res.ok) throw new Error(`服务返回 ${res.status}`);
      return (await res.json()) as DispatchOutcome;
    },
    async settle(take) {
      // The server's sender delivers within moments; wait until the mailbox stays quiet briefly.
      const got: Array<ReturnType<typeof take>[number]> = [];
      const deadline = Date.now() + 3000;
      let quietSince = Date.now();
      while (Date.now() < deadline) {
        const batch = take();
        if (batch.length > 0) {
          got.push(...batch);
          quietSince = Date.now();
        } else if (got.length > 0 && Date.now() - quietSince > 300) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      return got;
    },
    close: async () => {},
  };
}
