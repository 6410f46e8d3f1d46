import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/client.js';
import { queryRows } from '../../src/db/rows.js';
import { auditLog, customers, users } from '../../src/db/schema/index.js';
import { customersCsv } from '../../src/export/customers.js';
import { parseCsv } from '../../src/import/decode.js';
import { findImporter, formatReport, importCustomers } from '../../src/import/customers.js';
import { runImportJob, type CustomerSummary } from '../../src/import/job.js';
import { ensureTeam } from '../../src/services/teams.js';
import { createChat, entryText, type Chat } from '../helpers/chat.js';
import { createClock } from '../helpers/clock.js';
import { testDriver, useTestDb } from '../helpers/db.js';

const count = async (db: Db, table: string) =>
  Number((await queryRows<{ n: number }>(db, sql.raw(`select count(*)::int as n from ${table}`)))[0]!.n);

// 2026-11-23 is a Monday; times are Asia/Shanghai (+08:00).
describe(`customer import: rows whose 负责人 is empty go to the assignment rules (${testDriver()})`, () => {
  const t = useTestDb();
  const clock = createClock('2026-11-23T10:00:00+08:00');
  let chat: Chat;

  const EAST = '按地区「浙江」→ 池华东部（团队轮流），团队内轮流分配给';
  const DEFAULT = '没有匹配的地区/关键词规则，按默认团队「池总部」轮流分配给 池总一';
  const CSV = [
    '公司名称,电话,地区,行业,负责人',
    '宁波甲江阀门有限公司,13600000001,浙江,五金,',
    '温州乙江机械有限公司,13600000002,浙江省,机械,',
    '沈阳丙北铸造有限公司,13600000003,辽宁,铸造,',
    '杭州丁塘五金有限公司,13600000004,浙江,五金,池老王',
    '',
  ].join('\n');
  const NAMES = ['宁波甲江阀门有限公司', '温州乙江机械有限公司', '沈阳丙北铸造有限公司', '杭州丁塘五金有限公司'];

  async function setup() {
    chat = createChat(t(), { now: clock.now });
    await chat.say('池管理员', '/帮助', { role: 'admin' });
    for (const n of ['池东一', '池东二', '池总一', '池老王']) await chat.say(n, '/帮助');
    const db = t().db;
    const tenantId = (await db.select().from(users).where(eq(users.name, '池管理员')))[0]!.tenantId;
    const east = await ensureTeam(db, tenantId, '池华东部');
    const hq = await ensureTeam(db, tenantId, '池总部');
    await db.update(users).set({ teamId: east }).where(inArray(users.name, ['池东一', '池东二']));
    await db.update(users).set({ teamId: hq }).where(eq(users.name, '池总一'));
    await chat.say('池管理员', '/设置 分配 地区 浙江 池华东部');
    await chat.say('池管理员', '/设置 分配 默认 池总部');
    const importer = await findImporter(db, tenantId, '池管理员');
    return { db, tenantId, importer };
  }

  const owners = async (db: Db, names: string[]) => {
    const rows = await db
      .select({ name: customers.name, owner: users.name, pooledAt: customers.pooledAt, assignedAt: customers.assignedAt })
      .from(customers)
      .leftJoin(users, eq(users.id, customers.ownerId))
      .where(inArray(customers.name, names));
    return Object.fromEntries(rows.map((r) => [r.name, r.owner]));
  };

  it('dry run says which rule would place each row and to whom; apply does exactly that, audited; again changes nothing', async () => {
    const { db, tenantId, importer } = await setup();
    const opts = { tenantId, importer, now: clock.now(), timeZone: 'Asia/Shanghai' };
    const before = [await count(db, 'customers'), await count(db, 'audit_log'), await count(db, 'counters'), await count(db, 'outbox')];

    const dry = await importCustomers(db, parseCsv(CSV), opts);
    expect(dry.counts.toCreate).toBe(4);
    expect(dry.pool.rows).toEqual([
      { line: 2, name: NAMES[0], ownerName: '池东一', rule: `${EAST} 池东一` },
      { line: 3, name: NAMES[1], ownerName: '池东二', rule: `${EAST} 池东二` },
      { line: 4, name: NAMES[2], ownerName: '池总一', rule: DEFAULT },
    ]);
    expect(dry.pool.byRule).toEqual({ [`${EAST} 池东一`]: 1, [`${EAST} 池东二`]: 1, [DEFAULT]: 1 });
    expect(dry.toCreate.find((r) => r.line === 5)).toMatchObject({ ownerName: '池老王' });
    const text = formatReport(dry);
    expect(text).toContain('负责人为空（按分配规则将分配，没有规则或团队可用的留在公海）：3');
    expect(text).toContain(`  ${DEFAULT}：1 行`);
    expect(text).toContain(`  第 2 行「${NAMES[0]}」→ 池东一（${EAST} 池东一）`);
    expect(text).toContain(`  第 4 行「${NAMES[2]}」→ 池总一（${DEFAULT}）`);
    // The preview took no real round-robin turn and wrote nothing.
    expect([await count(db, 'customers'), await count(db, 'audit_log'), await count(db, 'counters'), await count(db, 'outbox')]).toEqual(before);

    // The admin API's summary (the same run through the job, from a file on disk).
    const path = join(mkdtempSync(join(tmpdir(), 'importpool-')), 'leads.csv');
    writeFileSync(path, CSV);
    const job = await runImportJob(db, 'test', path, { tenantId, as: '池管理员', mapping: {}, apply: false, all: false });
    const summary = job.summary as CustomerSummary;
    expect(summary.pool.count).toBe(3);
    expect(summary.pool.byRule).toEqual([
      { rule: `${EAST} 池东一`, count: 1 },
      { rule: `${EAST} 池东二`, count: 1 },
      { rule: DEFAULT, count: 1 },
    ]);
    expect(summary.pool.first.map((r) => [r.line, r.ownerName])).toEqual([[2, '池东一'], [3, '池东二'], [4, '池总一']]);
    expect(job.report).toContain(`第 3 行「${NAMES[1]}」→ 池东二`);

    const applied = await importCustomers(db, parseCsv(CSV), { ...opts, apply: true });
    expect(applied.counts.created).toBe(4);
    expect(applied.pool.rows).toEqual(dry.pool.rows);
    expect(applied.created.map((c) => c.ownerName)).toEqual(['池东一', '池东二', '池总一', '池老王']);
    expect(formatReport(applied)).toContain('负责人为空（按分配规则分配，没有规则或团队可用的留在公海）：3');
    expect(await owners(db, NAMES)).toEqual({ [NAMES[0]!]: '池东一', [NAMES[1]!]: '池东二', [NAMES[2]!]: '池总一', [NAMES[3]!]: '池老王' });
    const assigned = await db.select().from(customers).where(inArray(customers.name, NAMES.slice(0, 3)));
    expect(assigned.every((c) => c.assignedAt?.getTime() === clock.now().getTime() && c.pooledAt === null)).toBe(true);

    const ids = assigned.map((c) => c.id);
    const audits = await db.select().from(auditLog).where(and(eq(auditLog.action, 'customer.assign_rule'), inArray(auditLog.entityId, ids)));
    expect(audits.map((a) => (a.after as { rule: string }).rule).sort()).toEqual([`${EAST} 池东一`, `${EAST} 池东二`, DEFAULT].sort());
    const creates = await db.select().from(auditLog).where(and(eq(auditLog.action, 'customer.create'), inArray(auditLog.entityId, ids)));
    expect(creates.map((a) => a.actorId)).toEqual([importer.id, importer.id, importer.id]);
    // Each new owner is told at once, with the rule.
    const told = (await chat.inbox('池总一')).map(entryText);
    expect(told).toEqual([expect.stringContaining('🆕 新线索分配给你：')]);
    expect(told[0]).toContain(DEFAULT);

    const after = [await count(db, 'customers'), await count(db, 'audit_log'), await count(db, 'counters'), await count(db, 'outbox')];
    const again = await importCustomers(db, parseCsv(CSV), { ...opts, apply: true });
    expect(again.counts).toMatchObject({ created: 0, existing: 4 });
    expect(again.pool.count).toBe(0);
    expect(await owners(db, NAMES)).toEqual({ [NAMES[0]!]: '池东一', [NAMES[1]!]: '池东二', [NAMES[2]!]: '池总一', [NAMES[3]!]: '池老王' });
    expect([await count(db, 'customers'), await count(db, 'audit_log'), await count(db, 'counters'), await count(db, 'outbox')]).toEqual(after);
  });

  it('with no rule or team that applies, owner-less rows stay in the pool; the export writes 负责人 empty for them', async () => {
    const db = t().db;
    const tenantId = (await db.select().from(users).where(eq(users.name, '池管理员')))[0]!.tenantId;
    const importer = await findImporter(db, tenantId, '池管理员');
    await chat.say('池管理员', '/设置 分配 清空');
    await chat.say('池管理员', '/设置 分配 默认 无');
    const csv = '公司名称,地区,负责人\n青岛戊海轴承有限公司,山东,\n';
    const opts = { tenantId, importer, now: clock.now(), timeZone: 'Asia/Shanghai' };
    const NOBODY = '还没有设置分配规则，留在公海（/设置 分配）';

    const dry = await importCustomers(db, parseCsv(csv), opts);
    expect(dry.pool.rows).toEqual([{ line: 2, name: '青岛戊海轴承有限公司', ownerName: '公海', rule: NOBODY }]);
    expect(formatReport(dry)).toContain(`第 2 行「青岛戊海轴承有限公司」→ 公海（${NOBODY}）`);

    const applied = await importCustomers(db, parseCsv(csv), { ...opts, apply: true });
    expect(applied.created).toMatchObject([{ line: 2, ownerName: '公海', rule: NOBODY }]);
    const [c] = await db.select().from(customers).where(eq(customers.name, '青岛戊海轴承有限公司'));
    expect(c).toMatchObject({ ownerId: null, assignedAt: null });
    expect(c!.pooledAt?.getTime()).toBe(clock.now().getTime());
    const pooled = await db.select().from(auditLog).where(and(eq(auditLog.action, 'customer.pool'), eq(auditLog.entityId, c!.id)));
    expect(pooled.map((a) => a.after)).toEqual([{ ownerId: null, rule: NOBODY }]);
    expect((await chat.say('池东一', '/公海 山东')).text).toContain(`C-${c!.shortNo} 青岛戊海轴承有限公司 · 山东`);

    // The export leaves 负责人 empty for the pool entry, so the file imports back into the pool.
    const exported = parseCsv((await customersCsv(db, tenantId)).text);
    const header = exported[0]!.cells;
    const row = exported.find((r) => r.cells[header.indexOf('公司名称')] === '青岛戊海轴承有限公司')!;
    expect(row.cells[header.indexOf('负责人')]).toBe('');
    expect(exported.find((r) => r.cells[header.indexOf('公司名称')] === NAMES[0])!.cells[header.indexOf('负责人')]).toBe('池东一');
  });
  it('a 产品 column is kept as tags and matched by keyword rules, in the dry run and when applied', async () => {
    const { db, tenantId, importer } = await setup();
    await chat.say('池管理员', '/设置 分配 关键词 球阀 池老王');
    const opts = { tenantId, importer, now: clock.now(), timeZone: 'Asia/Shanghai' };
    const csv = ['公司名称,地区,主营产品,标签,负责人', '沈阳庚北流体有限公司,辽宁,球阀、闸阀,老客户,', '沈阳辛北流体有限公司,辽宁,离心泵,,', ''].join('\n');
    const KEYWORD = '按关键词「球阀」→ 池老王';
    const dry = await importCustomers(db, parseCsv(csv), opts);
    expect(dry.columns).toContainEqual({ header: '主营产品', field: 'product' });
    expect(dry.pool.rows.map((r) => [r.name, r.ownerName, r.rule])).toEqual([
      ['沈阳庚北流体有限公司', '池老王', KEYWORD],
      ['沈阳辛北流体有限公司', '池总一', DEFAULT],
    ]);
    await importCustomers(db, parseCsv(csv), { ...opts, apply: true });
    const rows = await db.select({ name: customers.name, tags: customers.tags, owner: users.name }).from(customers).leftJoin(users, eq(users.id, customers.ownerId)).where(inArray(customers.name, ['沈阳庚北流体有限公司', '沈阳辛北流体有限公司']));
    expect(rows.sort((a, b) => a.name.localeCompare(b.name))).toEqual([
      { name: '沈阳庚北流体有限公司', tags: ['老客户', '球阀', '闸阀'], owner: '池老王' },
      { name: '沈阳辛北流体有限公司', tags: ['离心泵'], owner: '池总一' },
    ].sort((a, b) => a.name.localeCompare(b.name)));
    // More than 20 tags and products together: the row is to be fixed, nothing written for it.
    const many = ['公司名称,标签,产品,负责人', `沈阳壬北流体有限公司,${Array.from({ length: 12 }, (_, i) => `标${i}`).join('、')},${Array.from({ length: 10 }, (_, i) => `品${i}`).join('、')},池老王`, ''].join('\n');
    const bad = await importCustomers(db, parseCsv(many), { ...opts, apply: true });
    expect(bad.bad.map((b) => b.problems)).toEqual([['标签和产品合起来太多（最多 20 个）']]);
    expect(await db.select().from(customers).where(eq(customers.name, '沈阳壬北流体有限公司'))).toEqual([]);
  });
});
