// Import at scale through the real path: a 20,000-row GBK file posted to the admin API as a job, polled for
// progress, written in batches; the rows, the audit trail and the problems CSV checked; the same file again
// changes nothing; a job stopped half-way (the server stopping) is finished by running the file again.
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/rows.js';
import { parseCsv } from '../../src/import/decode.js';
import { INTERRUPTED } from '../../src/import/job-store.js';
import { createImportJobs } from '../../src/import/jobs.js';
import { adminApi } from '../../src/server/admin-api.js';
import { buildApp } from '../../src/server/app.js';
import type { Ctx } from '../../src/services/context.js';
import { createCustomersBatch } from '../../src/services/customer-import.js';
import { createCustomer } from '../../src/services/customers.js';
import { ensureDefaultTenant, type TenantRow } from '../../src/services/tenants.js';
import { resolveUser, toActor, type User } from '../../src/services/users.js';
import { BENCH_OWNERS, writeCustomerFile } from '../bench/import-files.js';
import { testDriver, useTestDb } from '../helpers/db.js';

const TOKEN = 'test-admin-token-0123456789';
const auth = { authorization: `Bearer ${TOKEN}` };
const dir = mkdtempSync(join(tmpdir(), 'chatcrm-scale-'));

describe(`customer import at scale (${testDriver()})`, () => {
  const t = useTestDb();
  let tenant: TenantRow;
  let admin: User;
  const file = writeCustomerFile(join(dir, '客户.csv'), 20_000);
  const n = async (q: string) => Number((await queryRows<{ n: number }>(t().db, sql.raw(q)))[0]!.n);

  beforeAll(async () => {
    tenant = await ensureDefaultTenant(t().db, { name: '测试工厂', timeZone: 'Asia/Shanghai' });
    admin = await resolveUser(t().db, { tenantId: tenant.id, platform: 'console', platformUserId: 'admin', displayName: '管理员', roleIfNew: 'admin' });
    for (const name of BENCH_OWNERS) await resolveUser(t().db, { tenantId: tenant.id, platform: 'console', platformUserId: name, displayName: name });
  });

  it('applies a 20,000-row file as a job with progress, in batches, and lists every problem row in the CSV', { timeout: 600_000 }, async () => {
    const app = await buildApp({ db: t().db, adapters: [], dispatch: async () => ({}), logLevel: 'silent', plugins: [adminApi(t().db, TOKEN)] });
    t().onClose(() => app.close());
    const post = (apply: boolean, wait: boolean) =>
      app.inject({ method: 'POST', url: `/admin/api/tenants/${tenant.id}/import/customers?apply=${apply}&wait=${wait}`, headers: { ...auth, 'content-type': 'text/csv' }, payload: readFileSync(file.path) });

    const started = await post(true, false);
    expect(started.statusCode).toBe(202);
    const { id } = started.json();
    expect(started.headers.location).toBe(`/admin/api/imports/${id}`);
    // A second import while one runs is refused, not queued behind it.
    const busy = await post(false, true);
    expect(busy.statusCode).toBe(409);
    expect(busy.json().error).toContain('另一个导入正在进行');

    const seen: { phase: string; rowsWritten: number; bytesRead: number }[] = [];
    let job;
    // Polled as a client would, within the admin API's 60 requests a minute.
    for (;;) {
      await new Promise((r) => setTimeout(r, 700));
      const res = await app.inject({ url: `/admin/api/imports/${id}`, headers: auth });
      if (res.statusCode === 429) continue;
      job = res.json();
      seen.push(job.progress);
      if (job.status !== 'running') break;
    }
    expect(job.status).toBe('done');
    expect(job.progress).toMatchObject({ phase: 'apply', rowsRead: 20_000, rowsWritten: job.result.counts.create, totalBytes: file.bytes, bytesRead: file.bytes, percent: 100 });
    // Progress moved while it ran: rows were written batch by batch, not at the end.
    const written = [...new Set(seen.filter((p) => p.phase === 'apply').map((p) => p.rowsWritten))];
    expect(written.length).toBeGreaterThan(2);

    const counts = job.result.counts;
    expect(counts.total).toBe(20_000);
    expect(counts.create + counts.existing + counts.duplicates + counts.bad).toBe(20_000);
    expect(counts.bad).toBe(file.expect.bad);
    expect(counts.existing).toBe(0);
    expect(counts.create).toBeGreaterThan(19_500);
    // The rows: short ids without gaps, audit rows as createCustomer writes them, owners from 负责人; an empty 负责人
    // is a pool entry here (no assignment rules), its audit row naming the importer.
    expect(await n(`select count(*)::int as n from customers`)).toBe(counts.create);
    expect(await n(`select max(short_no)::int as n from customers`)).toBe(counts.create);
    expect(job.result).toMatchObject({ firstCode: 'C-1', lastCode: `C-${counts.create}` });
    expect(await n(`select count(*)::int as n from audit_log a join customers c on c.id::text = a.entity_id and a.action = 'customer.create'
                    and a.actor_id = coalesce(c.owner_id, '${admin.id}'::uuid) and a.after->>'name' = c.name
                    and (a.after->>'ownerId') is not distinct from c.owner_id::text`)).toBe(counts.create);
    const pooled = await n(`select count(*)::int as n from customers c where c.owner_id is null and c.pooled_at is not null`);
    expect(pooled).toBeGreaterThan(0);
    expect(job.result.pool.count).toBe(pooled);
    expect(await n(`select count(distinct owner_id)::int as n from customers`)).toBe(BENCH_OWNERS.length);

    // The summary shows the first 20 problems; the CSV has them all, in file order, with the row's own cells.
    expect(job.result.problems.count).toBe(counts.bad + counts.duplicates);
    expect(job.result.problems.first).toHaveLength(20);
    const csv = await app.inject({ url: job.problemsCsv, headers: auth });
    const rows = parseCsv(csv.rawPayload.toString('utf8'));
    expect(rows[0]!.cells).toEqual(['行号', '结果', '原因', '公司名称', '电话', '地区', '行业', '等级', '负责人', '来源', '标签', '备注']);
    const problems = rows.slice(1).map((r) => r.cells);
    expect(problems).toHaveLength(job.result.problems.count);
    expect(problems.map((p) => Number(p[0]))).toEqual([...problems.map((p) => Number(p[0]))].sort((a, b) => a - b));
    expect(problems.slice(0, 20).map((p) => ({ line: Number(p[0]), kind: p[1], reason: p[2] }))).toEqual(job.result.problems.first);
    const bad = problems.filter((p) => p[1] === '需修改');
    expect(bad).toHaveLength(counts.bad);
    expect(bad.every((p) => p[2] === '电话「电话待补」不像手机或座机号码，请填 11 位手机号或带区号的座机号' && p[4] === '电话待补')).toBe(true);
    const dups = problems.filter((p) => p[1] === '文件内重复');
    expect(dups).toHaveLength(counts.duplicates);
    expect(dups.every((p) => p[2] === `与第 ${Number(p[0]) - 1} 行公司名相同，只导入第一次出现的行` && p[3]!.endsWith('股份有限公司'))).toBe(true);

    // The same file again: every row exists now; nothing is written twice.
    const again = (await post(true, true)).json();
    expect(again.result.counts).toMatchObject({ total: 20_000, create: 0, existing: counts.create + counts.duplicates, bad: counts.bad });
    expect(await n(`select count(*)::int as n from customers`)).toBe(counts.create);
    expect(await n(`select count(*)::int as n from audit_log where action = 'customer.create'`)).toBe(counts.create);
  });

  it('a job stopped half-way keeps its committed batches, and running the file again finishes it', { timeout: 600_000 }, async () => {
    const db = t().db;
    const before = await n(`select count(*)::int as n from customers`);
    const second = writeCustomerFile(join(dir, '第二批.csv'), 6_000, { from: 100_000 });
    const jobs = createImportJobs(db, 'test');
    const upload = jobs.uploadPath();
    copyFileSync(second.path, upload);
    const view = await jobs.start({ tenantId: tenant.id, mapping: {}, apply: true, all: false }, upload, { via: 'admin API' });
    while (view.progress.rowsWritten === 0) await new Promise((r) => setImmediate(r));
    await jobs.close();
    // Stopped by the server's close: interrupted, as its row says to any process that asks.
    expect(await jobs.get(view.id)).toMatchObject({ status: 'interrupted', error: INTERRUPTED });
    const other = createImportJobs(db, 'test');
    expect(await other.get(view.id)).toMatchObject({ status: 'interrupted', error: INTERRUPTED });
    await other.close();
    const partial = (await n(`select count(*)::int as n from customers`)) - before;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(second.expect.create);

    const rerun = createImportJobs(db, 'test');
    const upload2 = rerun.uploadPath();
    copyFileSync(second.path, upload2);
    const done = await rerun.start({ tenantId: tenant.id, mapping: {}, apply: true, all: false }, upload2, { via: 'admin API' });
    await rerun.wait(done.id);
    const r = (await rerun.get(done.id))!.result!;
    if (r.kind !== 'customers') throw new Error('expected a customer import');
    // Rows written by the stopped run are existing now (and so are later rows repeating them).
    expect(r.counts.total).toBe(6_000);
    expect(r.counts.existing).toBeGreaterThanOrEqual(partial);
    expect(partial + r.counts.create).toBe(await n(`select count(*)::int as n from customers`) - before);
    // No company twice: every normalised name is there once.
    expect(await n(`select count(*)::int as n from (select normalised_name from customers group by 1 having count(*) > 1) d`)).toBe(0);
    await rerun.close();
  });

  it('a batch re-checks inside its transaction: a customer typed in chat meanwhile is existing, not created twice', async () => {
    const db = t().db;
    const zhang = await resolveUser(db, { tenantId: tenant.id, platform: 'console', platformUserId: '张伟', displayName: '张伟' });
    const ctx: Ctx = { db, actor: toActor(zhang), now: new Date(), timeZone: 'Asia/Shanghai' };
    const typed = await createCustomer(ctx, { name: '宁波恒丰精工轴承有限公司', phone: '13957400999' });
    expect(typed.created).toBe(true);
    const outcomes = await createCustomersBatch(
      db,
      tenant.id,
      [
        { input: { name: '恒丰精工轴承股份有限公司' }, ownerId: admin.id },
        { input: { name: '余姚某某塑胶有限公司', phone: '139-5740-0999' }, ownerId: admin.id },
        { input: { name: '余姚全新塑胶有限公司', phone: '13957400998' }, ownerId: admin.id },
      ],
      new Date(),
    );
    expect(outcomes.map((o) => (o.created ? 'created' : o.matchedBy))).toEqual(['name', 'phone', 'created']);
    expect(outcomes[0]).toMatchObject({ created: false, existingName: '宁波恒丰精工轴承有限公司', ownerName: '张伟' });
    expect(await n(`select count(*)::int as n from customers where normalised_name = '恒丰精工轴承'`)).toBe(1);
  });
});
