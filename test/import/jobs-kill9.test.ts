// Kill -9 of the server while an import job writes: after a restart (same data, same CHATCRM_INSTANCE_ID) the job
// is reported interrupted with what to do, the server takes a new import at once, and the same file carries on
// from the batches that were committed. Real processes: the server as production starts it (test/helpers/procs.ts).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/rows.js';
import { INTERRUPTED } from '../../src/import/job-store.js';
import { BENCH_OWNERS, writeCustomerFile } from '../bench/import-files.js';
import { createTestDb, testDriver, type TestDb } from '../helpers/db.js';
import { killAll, startServer, type ServerProc } from '../helpers/procs.js';

const TOKEN = 'test-admin-token-0123456789';
const auth = { authorization: `Bearer ${TOKEN}` };

describe(`an import job when its server is killed (${testDriver()})`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'chatcrm-jobkill-'));
  let testDb: TestDb | undefined;
  afterAll(async () => {
    await killAll();
    await testDb?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is reported interrupted after the restart, and the same file finishes it', { timeout: 300_000 }, async () => {
    const env: Record<string, string> = { DATA_DIR: join(dir, 'data'), ADMIN_TOKEN: TOKEN, CHATCRM_INSTANCE_ID: 'import-server-1' };
    if (testDriver() === 'postgres') {
      testDb = await createTestDb();
      env.DATABASE_URL = testDb.url!;
    }
    const call = async (s: ServerProc, path: string, init: RequestInit = {}) => {
      const res = await fetch(`${s.base}/admin/api${path}`, { ...init, headers: { ...auth, ...(init.body ? { 'content-type': 'text/csv' } : {}) }, signal: AbortSignal.timeout(120_000) });
      return { status: res.status, body: (await res.json()) as Record<string, any> };
    };
    const file = writeCustomerFile(join(dir, '客户.csv'), 12_000, { from: 700_000 });
    const bytes = readFileSync(file.path);

    let server = await startServer('import-a', env);
    const [tenant] = (await call(server, '/tenants')).body as unknown as Array<{ id: string }>;
    const people = ['姓名,企业微信ID,角色', '管理员,admin,管理员', ...BENCH_OWNERS.map((n, i) => `${n},rep${i},销售`)].join('\n');
    expect((await call(server, `/tenants/${tenant!.id}/import/users?apply=true`, { method: 'POST', body: people })).status).toBe(200);
    const started = await call(server, `/tenants/${tenant!.id}/import/customers?apply=true&wait=false`, { method: 'POST', body: bytes });
    expect(started.status).toBe(202);
    const id = started.body.id as string;
    // Killed once batches are being written (within the admin API's 60 requests a minute).
    let written = 0;
    for (;;) {
      const v = (await call(server, `/imports/${id}`)).body;
      expect(v.status).toBe('running');
      written = v.progress.rowsWritten;
      if (v.progress.phase === 'apply' && written > 0) break;
      await new Promise((r) => setTimeout(r, 1500));
    }
    server.child.kill('SIGKILL');
    expect((await server.exited).signal).toBe('SIGKILL');
    const customers = async () => Number((await queryRows<{ n: number }>(testDb!.db, sql`select count(*)::int as n from customers`))[0]!.n);
    const partial = testDb ? await customers() : undefined;

    server = await startServer('import-b', env);
    const after = await call(server, `/imports/${id}`);
    expect(after.status).toBe(503);
    expect(after.body).toMatchObject({ id, status: 'interrupted', apply: true, error: INTERRUPTED, tenantId: tenant!.id });
    expect(after.body.finishedAt).toEqual(expect.any(String));
    // Not "another import is running": the new server takes the same file, and rows the killed one wrote are existing.
    const again = await call(server, `/tenants/${tenant!.id}/import/customers?apply=true`, { method: 'POST', body: bytes });
    expect(again.status).toBe(200);
    const r = again.body.result;
    expect(r.counts.total).toBe(12_000);
    // Every row the killed run had reported written (committed batches) is found as existing.
    expect(r.counts.existing).toBeGreaterThanOrEqual(written);
    if (testDb) {
      expect(partial).toBeGreaterThanOrEqual(written);
      expect(partial).toBeLessThan(file.expect.create);
      expect(await customers()).toBe(partial! + r.counts.create);
      expect(await queryRows(testDb.db, sql`select count(*)::int as n from (select normalised_name from customers group by 1 having count(*) > 1) d`)).toEqual([{ n: 0 }]);
      const rows = await queryRows<{ status: string; started_via: string }>(testDb.db, sql`select status, started_via from import_jobs where kind = 'customers' order by started_at`);
      expect(rows).toEqual([
        { status: 'interrupted', started_via: 'admin API' },
        { status: 'done', started_via: 'admin API' },
      ]);
    }
  });
});
