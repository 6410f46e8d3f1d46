// Shared by the import/export command-line tools: open the configured database the way src/main.ts does
// (DATABASE_URL, or embedded PGlite under DATA_DIR), migrate it, and pick the tenant.
import { asc, eq } from 'drizzle-orm';
import { loadEnv, parseCoreEnv } from '../config/env.js';
import { knownEnvNames } from '../config/known-names.js';
import { openDatabase, type Database, type Db } from '../db/client.js';
import { migrateDatabase } from '../db/migrate.js';
import { tenants } from '../db/schema/index.js';
import { ensureDefaultTenant, type TenantRow } from '../services/tenants.js';
import { ConfigError } from '../config/env.js';
import { DataDirLockedError } from '../db/lock.js';
import { ImportFileError } from './customers.js';
import { CsvFormatError } from './decode.js';

export async function openConfiguredDatabase(): Promise<Database> {
  const env = parseCoreEnv(loadEnv(), knownEnvNames());
  const database = await openDatabase({ databaseUrl: env.DATABASE_URL, dataDir: env.DATA_DIR, max: 2 });
  try {
    await migrateDatabase(database);
    // The same first tenant `npm start` creates, so an import can come before the first start.
    await ensureDefaultTenant(database.db, { name: env.DEFAULT_TENANT_NAME, timeZone: env.TZ_DEFAULT });
  } catch (err) {
    await database.close();
    throw err;
  }
  return database;
}

/** The tenant named `name`, or — when there is exactly one way to choose — the first (default) tenant. */
export async function pickTenant(db: Db, name?: string, id?: string): Promise<TenantRow> {
  if (id) {
    const [byId] = await db.select().from(tenants).where(eq(tenants.id, id));
    if (!byId) throw new ImportFileError('没有这个租户（tenantId）。');
    return byId;
  }
  const all = await db.select().from(tenants).orderBy(asc(tenants.createdAt));
  if (!name) return all[0]!;
  const [found] = await db.select().from(tenants).where(eq(tenants.name, name));
  if (!found) throw new ImportFileError(`没有名为「${name}」的租户。现有租户：${all.map((t) => `「${t.name}」`).join('、')}`);
  return found;
}

/** Runs a command-line tool and exits with its code; every failure a user can fix is one Chinese line, no stack. */
export function runTool(run: () => Promise<number>, words: { cannot: string; failed: string }) {
  run().then(
    (code) => process.exit(code),
    (err: unknown) => {
      if (err instanceof ImportFileError || err instanceof CsvFormatError) console.error(`${words.cannot}：${err.userMessage}`);
      else if (err instanceof ConfigError || err instanceof DataDirLockedError) console.error(err.message);
      else if ((err as NodeJS.ErrnoException).code === 'ENOENT') console.error(`找不到文件：${(err as NodeJS.ErrnoException).path}`);
      else console.error(`${words.failed}：${(err as Error).message}`);
      process.exit(1);
    },
  );
}
