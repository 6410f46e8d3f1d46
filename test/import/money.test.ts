import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, eq, isNull } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { auditLog, deals, paymentInstalments, paymentReceipts, salesTargets, teams, users } from '../../src/db/schema/index.js';
import { runExportJob } from '../../src/export/job.js';
import { runImportJob, type ImportJob } from '../../src/import/job.js';
import { createChat } from '../helpers/chat.js';
import { createClock } from '../helpers/clock.js';
import { testDriver, useTestDb } from '../helpers/db.js';
import { dealOf, moneyTeam } from '../helpers/money.js';

const job = (apply: boolean, kind?: ImportJob['kind']): ImportJob => ({ mapping: {}, apply, all: true, ...(kind ? { kind } : {}) });
const utf8 = (lines: string[]) => Buffer.from(`\uFEFF${lines.join('\r\n')}\r\n`, 'utf8');
/** The import reads files from disk (src/import/csv-stream.ts): each one written to a temporary file first. */
const dir = mkdtempSync(join(tmpdir(), 'chatcrm-money-import-'));
let n = 0;
const onDisk = (bytes: Buffer) => {
  const path = join(dir, `f${++n}.csv`);
  writeFileSync(path, bytes);
  return path;
};

describe(`import and export of payment plans, receipts and targets (${testDriver()})`, () => {
  const t = useTestDb();

  it('exports with the documented headers, imports them back unchanged, and imports new rows only when every row is good', async () => {
    const { db } = t();
    const clock = createClock('2026-12-03T10:00:00+08:00');
    const chat = createChat(t(), { now: clock.now });
    const p = await moneyTeam(t(), chat, '导', clock.now());
    const a = await dealOf(chat, p.rep, '导一泵阀', '闸阀', '10万');
    const b = await dealOf(chat, p.rep, '导二泵阀', '截止阀', '8万');
    await chat.say(p.rep, `/回款计划 ${a} 30% 12-31 70% 2027-03-31`);
    await chat.say(p.finance, `/回款 ${a} 5万 12-01 首付`);
    await chat.say(p.manager, `/设置 目标 ${p.rep} 2026-12 50万`);

    const files = await runExportJob(db, { gbk: false }, clock.now());
    expect(files.map((f) => f.name)).toEqual(['客户-20261203.csv', '商机-20261203.csv', '回款计划-20261203.csv', '回款-20261203.csv', '目标-20261203.csv']);
    const text = (name: string) => files.find((f) => f.name.startsWith(`${name}-`))!.bytes.toString('utf8');
    expect(text('回款计划').split('\r\n').slice(0, 3)).toEqual([
      '\uFEFF商机编号,客户,商机,负责人,期数,到期日,金额,已回款,未回款,状态',
      `${a},导一泵阀,闸阀,${p.rep},1,2026-12-31,30000.00,30000.00,0.00,已回清`,
      `${a},导一泵阀,闸阀,${p.rep},2,2027-03-31,70000.00,20000.00,50000.00,部分回款`,
    ]);
    expect(text('回款').split('\r\n')[1]).toBe(`${a},导一泵阀,闸阀,50000.00,2026-12-01,首付,${p.finance}`);
    expect(text('目标').split('\r\n')[1]).toBe(`个人,${p.rep},2026-12,500000.00`);

    // The exported files import back as they are: nothing changes.
    for (const name of ['回款计划', '回款', '目标']) {
      const out = await runImportJob(db, 'test', onDisk(files.find((f) => f.name.startsWith(`${name}-`))!.bytes), job(true));
      expect(out.report).toContain('已写入 0 项，已存在（不变）');
      expect(out.report).toContain('需要修改 0 行');
    }
    const [dealA] = await db.select().from(deals).where(eq(deals.shortNo, Number(a.slice(2))));
    expect(await db.select().from(paymentReceipts).where(eq(paymentReceipts.dealId, dealA!.id))).toHaveLength(1);

    // One bad row: nothing is written, each problem is named with its line.
    const receipts = ['商机编号,金额,回款日期,备注', `${b},3万,2026-11-20,预付`, `${b},6万,2026-11-25,`, `${b},1万,12/01,`, 'D-999,1万,2026-11-01,'];
    const dry = await runImportJob(db, 'test', onDisk(utf8(receipts)), job(false));
    expect(dry.info).toContain('回款导入（试运行）');
    expect(dry.report).toContain('第 3 行：回款 ¥60,000.00 超过了未回款的 ¥50,000.00');
    expect(dry.report).toContain('第 4 行：回款日期「12/01」要写完整日期');
    expect(dry.report).toContain('第 5 行：没有商机 D-999。');
    expect((await runImportJob(db, 'test', onDisk(utf8(receipts)), job(true))).report).toContain('未写入（有需要修改的行）');
    const [dealB] = await db.select().from(deals).where(eq(deals.shortNo, Number(b.slice(2))));
    expect(await db.select().from(paymentReceipts).where(eq(paymentReceipts.dealId, dealB!.id))).toHaveLength(0);

    const good = ['商机编号,金额,回款日期,备注', `${b},3万,2026-11-20,预付`, `${b},3万,2026-11-20,预付`];
    expect((await runImportJob(db, 'test', onDisk(utf8(good)), job(true))).report).toContain('已写入 2 项');
    expect((await runImportJob(db, 'test', onDisk(utf8(good)), job(true))).report).toContain('已写入 0 项，已存在（不变）2 项');
    const got = await db.select().from(paymentReceipts).where(eq(paymentReceipts.dealId, dealB!.id));
    expect(got.map((r) => [r.amountFen, r.receivedOn, r.recordedById])).toEqual([[3_000_000, '2026-11-20', null], [3_000_000, '2026-11-20', null]]);

    const plans = ['商机编号,期数,到期日,比例', `${b},2,2027-02-28,50%`, `${b},1,2026-11-30,50`];
    expect((await runImportJob(db, 'test', onDisk(utf8(plans)), job(true, 'plans'))).report).toContain(`第 2 行：${b} 设置回款计划 2 期`);
    const inst = await db.select().from(paymentInstalments).where(and(eq(paymentInstalments.dealId, dealB!.id), isNull(paymentInstalments.replacedAt)));
    expect(inst.sort((x, y) => x.seq - y.seq).map((i) => [i.seq, i.dueOn, i.amountFen])).toEqual([[1, '2026-11-30', 4_000_000], [2, '2027-02-28', 4_000_000]]);
    expect((await chat.say(p.rep, `/查看 ${b}`)).text).toContain('已回 ¥60,000.00 / ¥80,000.00（75%） · 未回 ¥20,000.00');

    const [rep] = await db.select().from(users).where(eq(users.name, p.rep));
    const [team] = await db.insert(teams).values({ tenantId: rep!.tenantId, name: '导组' }).returning();
    const targets = ['类型,名称,月份,金额', '团队,导组,2027Q1,300万', `个人,${p.rep},2027-01,90万`, '团队,没有这组,2027-01,1万'];
    expect((await runImportJob(db, 'test', onDisk(utf8(targets)), job(true))).report).toContain('第 4 行：没有找到「没有这组」');
    expect((await runImportJob(db, 'test', onDisk(utf8(targets.slice(0, 3))), job(true))).report).toContain('已写入 2 项');
    const teamTargets = await db.select().from(salesTargets).where(eq(salesTargets.subjectId, team!.id));
    expect(teamTargets.map((x) => [x.month, x.amountFen]).sort()).toEqual([['2027-01', 100_000_000], ['2027-02', 100_000_000], ['2027-03', 100_000_000]]);
    const imported = await db.select().from(auditLog).where(and(eq(auditLog.action, 'target.set'), isNull(auditLog.actorId)));
    expect(imported).toHaveLength(4);
  });
});
