// Import jobs outlive the app that ran them: the production app (src/compose.ts) is closed and a new one composed on
// the same database and DATA_DIR, and the job's view and problems file are still served; a running job's row is
// written about once a second, not per row; housekeeping removes old problems files by the code's clock.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/rows.js';
import { parseCsv } from '../../src/import/decode.js';
import { INTERRUPTED } from '../../src/import/job-store.js';
import { runHousekeeping } from '../../src/scheduler/housekeeping.js';
import { ensureDefaultTenant, type TenantRow } from '../../src/services/tenants.js';
import { resolveUser } from '../../src/services/users.js';
import { BENCH_OWNERS, writeCustomerFile } from '../bench/import-files.js';
import { testDriver, useTestDb } from '../helpers/db.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const TOKEN = 'test-admin-token-0123456789';
const auth = { authorization: `Bearer ${TOKEN}` };
const FILE = '公司名称,电话,地区,负责人\r\n宁波永固阀门有限公司,13812345678,宁波,管理员\r\n永固阀门,,宁波,管理员\r\n,13900000000,杭州,管理员\r\n';

describe(`import jobs across a restart (${testDriver()})`, () => {
  const t = useTestDb();
  const dataDir = mkdtempSync(join(tmpdir(), 'chatcrm-jobstore-'));
  const env = { DATA_DIR: dataDir, ADMIN_TOKEN: TOKEN, DEFAULT_TENANT_NAME: '测试工厂' };
  let tenant: TenantRow;
  const apps: TestServer[] = [];
  const start = async (o: { now?: () => Date } = {}) => {
    const app = await startTestServer(t(), env, o);
    apps.push(app);
    return app;
  };
  const post = (app: TestServer, body: string | Buffer, q: string) =>
    app.server.inject({ method: 'POST', url: `/admin/api/tenants/${tenant.id}/import/customers?${q}`, headers: { ...auth, 'content-type': 'text/csv' }, payload: body });

  beforeAll(async () => {
    tenant = await ensureDefaultTenant(t().db, { name: '测试工厂', timeZone: 'Asia/Shanghai' });
    await resolveUser(t().db, { tenantId: tenant.id, platform: 'console', platformUserId: 'admin', displayName: '管理员', roleIfNew: 'admin' });
    for (const name of BENCH_OWNERS) await resolveUser(t().db, { tenantId: tenant.id, platform: 'console', platformUserId: name, displayName: name });
  });
  afterAll(async () => {
    for (const a of apps) await a.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("serves a finished job's view and problems file after the app is closed and composed again", async () => {
    const first = await start();
    const done = await post(first, FILE, 'apply=false');
    expect(done.statusCode).toBe(200);
    const job = done.json();
    expect(job).toMatchObject({ status: 'done', tenantId: tenant.id, problemRows: 2, result: { counts: { total: 3, create: 1, duplicates: 1, bad: 1 } } });
    const csv = (await first.server.inject({ url: job.problemsCsv, headers: auth })).rawPayload;
    expect(parseCsv(csv.toString('utf8')).length).toBe(3);
    // The file sits in the data directory, not in a temporary one the close removes.
    const [row] = await queryRows<{ problems_path: string; started_via: string; status: string; tenant_id: string }>(
      t().db,
      sql`select problems_path, started_via, status, tenant_id from import_jobs where id = ${job.id}`,
    );
    expect(row).toEqual({ problems_path: join(dataDir, 'imports', `problems-${job.id}.csv`), started_via: 'admin API', status: 'done', tenant_id: tenant.id });
    await first.close();

    const second = await start();
    const again = await second.server.inject({ url: `/admin/api/imports/${job.id}`, headers: auth });
    expect(again.statusCode).toBe(200);
    // The same answer as before the restart, read back from the row.
    expect(again.json()).toEqual(job);
    const file = await second.server.inject({ url: `/admin/api/imports/${job.id}/problems.csv`, headers: auth });
    expect(file.statusCode).toBe(200);
    expect(file.rawPayload.equals(csv)).toBe(true);
    expect((await second.server.inject({ url: `/admin/api/imports/${job.id}/problems.csv` })).statusCode).toBe(401);
    expect((await second.server.inject({ url: `/admin/api/imports/00000000-0000-4000-8000-000000000001`, headers: auth })).statusCode).toBe(404);
    await second.close();
  });

  it("answers another server's job from its row: running while its heartbeat is fresh, interrupted once it stopped", async () => {
    const now = new Date('2026-11-25T08:00:00Z');
    const app = await start({ now: () => now });
    const row = (id: string, beat: Date) =>
      sql`insert into import_jobs (id, tenant_id, kind, apply, started_via, instance_id, status, phase, rows_written, started_at, heartbeat_at)
          values (${id}, ${tenant.id}, 'customers', true, 'CLI', 'another-server', 'running', 'apply', 500, ${beat.toISOString()}::timestamptz, ${beat.toISOString()}::timestamptz)`;
    const alive = '00000000-0000-4000-8000-00000000a001';
    const gone = '00000000-0000-4000-8000-00000000a002';
    await t().db.execute(row(alive, new Date(now.getTime() - 20_000)));
    await t().db.execute(row(gone, new Date(now.getTime() - 3 * 60_000)));
    const a = await app.server.inject({ url: `/admin/api/imports/${alive}`, headers: auth });
    expect(a.statusCode).toBe(202);
    expect(a.json()).toMatchObject({ status: 'running', progress: { phase: 'apply', rowsWritten: 500 } });
    const g = await app.server.inject({ url: `/admin/api/imports/${gone}`, headers: auth });
    expect(g.statusCode).toBe(503);
    expect(g.json()).toMatchObject({ status: 'interrupted', error: INTERRUPTED, finishedAt: now.toISOString() });
    // Another server's running job does not make this one busy: one import at a time is per server.
    expect((await post(app, FILE, 'apply=false')).statusCode).toBe(200);
    await t().db.execute(sql`delete from import_jobs where id in (${alive}, ${gone})`);
    await app.close();
  });

  it('writes a running job’s row about once a second, not per row: a 3,000-row file', { timeout: 120_000 }, async () => {
    // Counts every write to the table from outside the code: a trigger.
    await t().db.execute(sql`create table job_writes (status text, rows_read int)`);
    await t().db.execute(sql.raw(`create function count_job_write() returns trigger language plpgsql as $$
      begin insert into job_writes values (new.status, new.rows_read); return new; end $$`));
    await t().db.execute(sql`create trigger import_jobs_writes after update on import_jobs for each row execute function count_job_write()`);
    const dir = mkdtempSync(join(tmpdir(), 'chatcrm-jobstore-file-'));
    const big = writeCustomerFile(join(dir, '客户.csv'), 3_000, { from: 500_000 });
    const app = await start();
    const res = await post(app, readFileSync(big.path), 'apply=true');
    rmSync(dir, { recursive: true, force: true });
    expect(res.statusCode).toBe(200);
    const job = res.json();
    expect(job.result.counts.total).toBe(3_000);
    const writes = await queryRows<{ status: string; rows_read: number }>(t().db, sql`select status, rows_read from job_writes`);
    const progress = writes.filter((w) => w.status === 'running');
    // A write per second of the run at most (and the first a second in), then the result.
    expect(progress.length).toBeLessThanOrEqual(Math.ceil(job.seconds) + 1);
    expect(writes.filter((w) => w.status === 'done')).toHaveLength(1);
    expect(writes.length).toBe(progress.length + 1);
    const [row] = await queryRows<{ rows_read: number; rows_written: number; percent: number }>(t().db, sql`select rows_read, rows_written, percent from import_jobs where id = ${job.id}`);
    expect(row).toEqual({ rows_read: job.progress.rowsRead, rows_written: job.progress.rowsWritten, percent: job.progress.percent });
    expect(row!.rows_written).toBe(job.result.counts.create);
    await t().db.execute(sql`drop trigger import_jobs_writes on import_jobs`);
    await app.close();
  });

  it("housekeeping removes the problems files of jobs that ended over 30 days ago, by the code's clock, and keeps the rows", async () => {
    const old = await start({ now: () => new Date('2026-10-01T02:00:00Z') });
    const oldJob = (await post(old, FILE, 'apply=false')).json();
    await old.close();
    const recent = await start({ now: () => new Date('2026-11-20T02:00:00Z') });
    const recentJob = (await post(recent, FILE, 'apply=false')).json();
    const path = (id: string) => join(dataDir, 'imports', `problems-${id}.csv`);
    expect(existsSync(path(oldJob.id)) && existsSync(path(recentJob.id))).toBe(true);

    const swept = await runHousekeeping(t().db, new Date('2026-11-25T03:00:00Z'), 'i-jobs');
    expect(swept?.importFiles).toBe(1);
    expect(existsSync(path(oldJob.id))).toBe(false);
    expect(existsSync(path(recentJob.id))).toBe(true);
    const gone = await recent.server.inject({ url: `/admin/api/imports/${oldJob.id}/problems.csv`, headers: auth });
    expect(gone.statusCode).toBe(404);
    expect(gone.json().error).toContain('超过 30 天被清理');
    // The job itself is still answered: what was imported, when, with how many problem rows.
    expect((await recent.server.inject({ url: `/admin/api/imports/${oldJob.id}`, headers: auth })).json()).toMatchObject({ status: 'done', problemRows: 2, finishedAt: '2026-10-01T02:00:00.000Z' });
    expect((await recent.server.inject({ url: `/admin/api/imports/${recentJob.id}/problems.csv`, headers: auth })).statusCode).toBe(200);
    await recent.close();
  });
});
