// A fresh, migrated database per test file: in-memory PGlite by default, or a brand-new database on the
// TEST_DATABASE_URL server when the 'postgres' project runs. Never a mock.
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll } from 'vitest';
import { openDatabase, type Database, type Db } from '../../src/db/client.js';
import { migrateDatabase } from '../../src/db/migrate.js';

export const testDriver = (): 'pglite' | 'postgres' =>
  process.env.TEST_DB_DRIVER === 'postgres' && process.env.TEST_DATABASE_URL ? 'postgres' : 'pglite';

export interface TestDb {
  db: Db;
  database: Database;
  /** Connection URL of the fresh database (postgres driver only). */
  url?: string;
  /** Runs `fn` when the database is closed, before it closes (apps built on it stop first), last registered first. */
  onClose(fn: () => Promise<void>): void;
  close(): Promise<void>;
}

/** Adds the `onClose` hooks to a database's own close. */
function withCleanups(t: Omit<TestDb, 'onClose'>): TestDb {
  const cleanups: Array<() => Promise<void>> = [];
  return {
    ...t,
    onClose: (fn) => void cleanups.unshift(fn),
    async close() {
      for (const fn of cleanups.splice(0)) await fn();
      await t.close();
    },
  };
}

export async function createTestDb(): Promise<TestDb> {
  if (testDriver() === 'pglite') {
    const database = await openDatabase({ memory: true });
    await migrateDatabase(database);
    return withCleanups({ db: database.db, database, close: () => database.close() });
  }
  const adminUrl = process.env.TEST_DATABASE_URL!;
  const name = `chatcrm_t_${randomBytes(6).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const database = await openDatabase({ databaseUrl: url.toString(), max: 5 });
  await migrateDatabase(database);
  return withCleanups({
    db: database.db,
    database,
    url: url.toString(),
    async close() {
      await database.close();
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  });
}

/** Registers a fresh database for the current test file; call the returned getter inside tests. */
export function useTestDb(): () => TestDb {
  let t: TestDb | undefined;
  beforeAll(async () => {
    t = await createTestDb();
  });
  afterAll(async () => {
    await t?.close();
  });
  return () => {
    if (!t) throw new Error('test database not ready');
    return t;
  };
}
