// Opens the database: embedded PGlite under DATA_DIR (guarded by a lock file) or postgres.js from DATABASE_URL.
// Both give the same Drizzle `Db` type, so the rest of the code never knows which one it talks to.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import postgres from 'postgres';
import * as schema from './schema/index.js';
import { acquireDirLock } from './lock.js';

export type Schema = typeof schema;
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
/** A transaction handle; services accept `Db | Tx` so they compose inside a caller's transaction. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
export type DbOrTx = Db | Tx;

export interface Database {
  db: Db;
  driver: 'pglite' | 'postgres';
  /** Human description for the start-up log (never includes a password). */
  describe: string;
  close(): Promise<void>;
}

export interface OpenOptions {
  databaseUrl?: string;
  dataDir?: string;
  /** In-memory PGlite (tests). */
  memory?: boolean;
  /** postgres.js pool size. */
  max?: number;
}

export async function openDatabase(opts: OpenOptions): Promise<Database> {
  if (opts.databaseUrl) return openPostgres(opts.databaseUrl, opts.max ?? 10);
  if (opts.memory) return wrapPglite(new PGlite(), 'PGlite (内存)', async () => {});
  const dir = resolve(opts.dataDir ?? './data', 'pglite');
  mkdirSync(dir, { recursive: true });
  const release = acquireDirLock(join(dir, '..', 'pglite.lock'));
  try {
    const client = await PGlite.create(dir);
    return wrapPglite(client, `PGlite (嵌入式) ${dir}`, async () => release());
  } catch (err) {
    release();
    throw err;
  }
}

function wrapPglite(client: PGlite, describe: string, after: () => Promise<void>): Database {
  const db = drizzlePglite(client, { schema }) as unknown as Db;
  let closed = false;
  return {
    db,
    driver: 'pglite',
    describe,
    async close() {
      if (closed) return;
      closed = true;
      await client.close();
      await after();
    },
  };
}

function openPostgres(url: string, max: number): Database {
  // connect_timeout: a connection whose start-up the server cut (failover, a terminated backend mid-handshake)
  // otherwise holds every query queued on it for postgres.js's default 30 s; the background loops would stall
  // that long before their retry. 5 s is far above a healthy connect on a LAN.
  const sql = postgres(url, { max, onnotice: () => {}, connect_timeout: 5 });
  const db = drizzleOnPostgres(sql);
  return {
    db,
    driver: 'postgres',
    describe: `PostgreSQL ${redactUrl(url)}`,
    async close() {
      await sql.end({ timeout: 5 });
    },
  };
}

/**
 * postgres.js with every parameterised statement prepared (named, cached per connection by its text), although
 * drizzle asks for `prepare: false` on each query it runs unless the query was given a name. Unprepared,
 * postgres.js sends each statement with parameters twice over — Parse + Describe, wait for the parameter types,
 * then Bind + Execute — and PostgreSQL parses and plans it every time; prepared, a statement seen before on that
 * connection is one Bind + Execute round trip. Measured with test/bench/cpu.ts (one WeCom /跟进, machine load
 * 9–12): PostgreSQL's CPU 3.75–4.6 ms → 2.3–2.6 ms, the server's 5.9–7.0 → 5.5–5.7 ms. The statement texts are
 * bounded (drizzle's builders, fixed raw SQL; a multi-row insert has one text per row count), and postgres.js re-prepares by itself when a migration changed a table under a cached plan.
 * Parameterless statements stay on the simple protocol, as before. `begin` and `savepoint` hand their callback a
 * scoped client, which is wrapped the same way.
 */
type Sql = ReturnType<typeof postgres>;
/** The Drizzle handle over a postgres.js client, as the server uses it (statements prepared, see above). */
export const drizzleOnPostgres = (client: Sql): Db => drizzlePostgres(preparing(client), { schema }) as unknown as Db;
type Scoped = Sql & { savepoint?: (...args: unknown[]) => Promise<unknown> };
function preparing<T extends Scoped>(client: T): T {
  const wrapFn = (args: unknown[]) => {
    const i = args.length - 1;
    const fn = args[i];
    if (typeof fn === 'function') args[i] = (scoped: Scoped) => (fn as (s: Scoped) => unknown)(preparing(scoped));
    return args;
  };
  return new Proxy(client, {
    get(target, prop, receiver) {
      if (prop === 'unsafe') {
        return (query: string, params?: unknown[], options?: Record<string, unknown>) =>
          target.unsafe(query, params as never, { ...options, prepare: true } as never);
      }
      if (prop === 'begin') return (...args: unknown[]) => (target.begin as (...a: unknown[]) => unknown)(...wrapFn(args));
      if (prop === 'savepoint' && target.savepoint) return (...args: unknown[]) => target.savepoint!(...wrapFn(args));
      return Reflect.get(target, prop, receiver);
    },
  });
}

/** postgres://user:secret@host/db → postgres://user:***@host/db */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://(无法解析)';
  }
}
