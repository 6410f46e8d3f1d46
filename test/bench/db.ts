// The benchmark database: a real PostgreSQL server from BENCH_DATABASE_URL (a fresh database per run), else PGlite.
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { openDatabase, type Database } from '../../src/db/client.js';
import { migrateDatabase } from '../../src/db/migrate.js';

export async function benchDatabase(): Promise<Database & { label: string }> {
  const url = process.env.BENCH_DATABASE_URL;
  if (!url) {
    const database = await openDatabase({ memory: true });
    await migrateDatabase(database);
    return { ...database, label: 'PGlite (in memory)' };
  }
  const name = `chatcrm_bench_${randomBytes(4).toString('hex')}`;
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const u = new URL(url);
  u.pathname = `/${name}`;
  const database = await openDatabase({ databaseUrl: u.toString(), max: 10 });
  await migrateDatabase(database);
  return {
    ...database,
    label: `PostgreSQL ${u.host}`,
    async close() {
      await database.close();
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}
