import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { and, eq, sql } from 'drizzle-orm';
import iconv from 'iconv-lite';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/client.js';
import { queryRows } from '../../src/db/rows.js';
import { auditLog, customers, deals, users } from '../../src/db/schema/index.js';
import { normaliseCompanyName } from '../../src/domain/names.js';
import { customersCsv, dealsCsv, encodeCsv } from '../../src/export/customers.js';
import { parseCsv } from '../../src/import/decode.js';
import {
  findImporter,
  formatReport,
  importCustomers,
  importCustomersFromFile,
  ImportFileError,
  type ImportOptions,
} from '../../src/import/customers.js';
import type { Ctx } from '../../src/services/context.js';
import { createCustomer } from '../../src/services/customers.js';
import { ensureDefaultTenant } from '../../src/services/tenants.js';
import { resolveUser, toActor, type User } from '../../src/services/users.js';
import { testDriver, useTestDb } from '../helpers/db.js';

const count = async (db: Db, table: string) =>
  Number((await queryRows<{ n: number }>(db, sql.raw(`select count(*)::int as n from ${table}`)))[0]!.n);

/** Deterministic PRNG (mulberry32) so the generated file is the same on every run. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n: number) => Math.floor(next() * n), pick: <T,>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)]! };
}

const CITIES = ['宁波', '温州', '台州', '东莞', '佛山', '苏州', '无锡', '常州', '泉州', '青岛', '济南', '成都', '武汉', '杭州'];
const SYLLABLES = '永固恒远金鼎宏达鑫源鸿运精工瑞丰泰盛博创兴旺德信华美天成力佳新光明亿通正和昌富隆'.split('');
const PRODUCTS = ['阀门', '五金', '模具', '泵业', '机械', '电子', '塑胶', '精密铸造', '轴承', '紧固件', '包装', '纺织', '化工', '电气', '汽配'];
const FORMS = ['有限公司', '有限公司', '有限公司', '股份有限公司', '有限责任公司', '集团有限公司'];
const INDUSTRIES = ['五金', '机械', '电子', '化工', '纺织', '汽配', ''];
const SOURCES = ['展会', '老客户介绍', '官网', '阿里巴巴', '电话陌拜', ''];
const TAGS = ['', '', '老客户', '展会、样品', '重点,出口', '月结;大客户'];
const OWNERS = ['张伟', '李娜', '王芳', ''];

type Row = { name: string; phone: string; region: string; industry: string; grade: string; owner: string; source: string; tags: string };
type Kind = 'new' | 'dup' | 'existing' | 'bad';
interface Entry {
  key: number;
  kind: Kind;
  row: Row;
  /** For dups: the entry they repeat. */
  of?: Entry;
  badBecause?: string;
}

interface Generated {
  entries: Entry[];
  /** Customers to create in the DB before importing. */
  seed: { name: string; phone?: string }[];
}

/** 2,000 data rows: 1,900 new, 50 in-file duplicates, 30 matching the DB, 20 bad. */
function generate(): Generated {
  const r = rng(20240601);
  const usedKeys = new Set<string>(['永固阀门']);
  let phoneNo = 0;
  const nextPhone = () => `139${String(10_000_000 + ++phoneNo * 37).padStart(8, '0')}`;
  const formatPhone = (p: string) =>
    r.pick([p, `${p.slice(0, 3)}-${p.slice(3, 7)}-${p.slice(7)}`, `+86 ${p.slice(0, 3)} ${p.slice(3, 7)} ${p.slice(7)}`]);
  const freshCore = (): string => {
    for (;;) {
      const core = r.pick(SYLLABLES) + r.pick(SYLLABLES) + r.pick(PRODUCTS);
      if (!usedKeys.has(core) && normaliseCompanyName(core) === core) {
        usedKeys.add(core);
        return core;
      }
    }
  };
  const row = (name: string, phone: string): Row => ({
    name,
    phone,
    region: r.next() < 0.5 ? '' : r.pick(['浙江', '广东', '江苏', '山东']),
    industry: r.pick(INDUSTRIES),
    grade: r.pick(['A', 'B', 'C', '', 'b', 'A级']),
    owner: r.pick(OWNERS),
    source: r.pick(SOURCES),
    tags: r.pick(TAGS),
  });

  const entries: Entry[] = [];
  // The classic pair: the full registered name, and later the short name people actually type.
  const yonggu: Entry = { key: 5, kind: 'new', row: row('宁波永固阀门有限公司', '13957400001') };
  entries.push(yonggu, { key: 19_995, kind: 'dup', of: yonggu, row: { ...row('永固阀门', ''), owner: '' } });

  const news: Entry[] = [yonggu];
  for (let i = 1; i < 1900; i++) {
    const core = freshCore();
    const name = r.next() < 0.7 ? `${r.pick(CITIES)}${core}${r.pick(FORMS)}` : `${core}${r.pick(FORMS)}`;
    const e: Entry = { key: i * 10, kind: 'new', row: row(name, r.next() < 0.8 ? formatPhone(nextPhone()) : '') };
    entries.push(e);
    news.push(e);
  }
  // 49 more in-file duplicates: 39 by a name variant, 10 by phone under another name.
  const dupOf = new Set<Entry>([yonggu]);
  for (let i = 0; i < 49; i++) {
    let orig: Entry;
    do orig = news[1 + r.int(news.length - 1)]!;
    while (dupOf.has(orig) || (i >= 39 && orig.row.phone === ''));
    dupOf.add(orig);
    const core = normaliseCompanyName(orig.row.name);
    const name =
      i >= 39
        ? `${freshCore()}有限公司`
        : r.pick([core, `${core}股份有限公司`, ` ${core} 有限公司 `, `${core.slice(0, 2)} ${core.slice(2)}（中国）有限公司`]);
    const phone = i >= 39 ? orig.row.phone.replace(/\D/g, '').replace(/^86/, '') : '';
    entries.push({ key: orig.key + 1 + r.int(20_000 - orig.key), kind: 'dup', of: orig, row: row(name, phone) });
  }
  // 30 rows for customers already in the DB: 20 by name (written differently), 10 by phone.
  const seed: Generated['seed'] = [];
  for (let i = 0; i < 30; i++) {
    const core = freshCore();
    const phone = nextPhone();
    if (i < 20) {
      seed.push({ name: `${r.pick(CITIES)}${core}有限公司`, phone });
      entries.push({ key: r.int(20_000), kind: 'existing', row: row(r.pick([core, `${core}股份有限公司`]), '') });
    } else {
      seed.push({ name: `${core}有限公司`, phone });
      entries.push({ key: r.int(20_000), kind: 'existing', row: row(`${freshCore()}有限公司`, formatPhone(phone)) });
    }
  }
  for (let i = 0; i < 5; i++) seed.push({ name: `${freshCore()}有限公司` }); // in the DB, not in the file
  // 20 bad rows.
  const bads: [string, (x: Row) => Row][] = [
    ...Array.from({ length: 6 }, (): [string, (x: Row) => Row] => ['公司名称为空', (x) => ({ ...x, name: r.pick(['', '  ']) })]),
    ...Array.from({ length: 6 }, (): [string, (x: Row) => Row] => ['电话「', (x) => ({ ...x, phone: r.pick(['12345', '电话待补', '1.39E+10', 'abc-123']) })]),
    ...Array.from({ length: 6 }, (): [string, (x: Row) => Row] => ['等级「', (x) => ({ ...x, grade: r.pick(['D', '甲', 'AA']) })]),
    ['负责人「赵小明」不是系统里的用户', (x) => ({ ...x, owner: '赵小明' })],
    ['负责人「赵小明」不是系统里的用户', (x) => ({ ...x, owner: '赵小明' })],
  ];
  for (const [because, spoil] of bads) {
    entries.push({ key: r.int(20_000), kind: 'bad', badBecause: because, row: spoil(row(`${r.pick(CITIES)}${freshCore()}有限公司`, '')) });
  }
  entries.sort((a, b) => a.key - b.key);
  return { entries, seed };
}

const HEADER = ['公司名称', '电话', '地区', '行业', '等级', '负责人', '来源', '标签', '备注'];
const toCsv = (entries: Entry[]) =>
  stringify([HEADER, ...entries.map((e) => [e.row.name, e.row.phone, e.row.region, e.row.industry, e.row.grade, e.row.owner, e.row.source, e.row.tags, ''])], {
    record_delimiter: '\r\n',
  });

describe(`customer CSV import (${testDriver()})`, () => {
  const t = useTestDb();
  const dir = mkdtempSync(join(tmpdir(), 'chatcrm-import-'));
  const gen = generate();
  const gbkPath = join(dir, '客户.csv');
  let tenantId: string;
  let zhang: User;
  let admin: User;
  let opts: ImportOptions;

  beforeAll(async () => {
    const db = t().db;
    const tenant = await ensureDefaultTenant(db, { name: '测试工厂', timeZone: 'Asia/Shanghai' });
    tenantId = tenant.id;
    admin = await resolveUser(db, { tenantId, platform: 'console', platformUserId: '管理员', displayName: '管理员', roleIfNew: 'admin' });
    zhang = await resolveUser(db, { tenantId, platform: 'console', platformUserId: 'zhangwei', displayName: '张伟' });
    await resolveUser(db, { tenantId, platform: 'console', platformUserId: 'lina', displayName: '李娜' });
    await resolveUser(db, { tenantId, platform: 'console', platformUserId: 'wangfang', displayName: '王芳' });
    const ctx: Ctx = { db, actor: toActor(zhang), now: new Date(), timeZone: 'Asia/Shanghai' };
    for (const s of gen.seed) expect((await createCustomer(ctx, s)).created).toBe(true);
    writeFileSync(gbkPath, iconv.encode(toCsv(gen.entries), 'gbk'));
    opts = { tenantId, importer: await findImporter(db, tenantId) };
  });

  it('generates the file it means to', () => {
    const kinds = (k: Kind) => gen.entries.filter((e) => e.kind === k).length;
    expect(gen.entries).toHaveLength(2000);
    expect([kinds('new'), kinds('dup'), kinds('existing'), kinds('bad')]).toEqual([1900, 50, 30, 20]);
  });

  it('dry run: reports exact counts and line numbers, writes nothing', async () => {
    const db = t().db;
    expect(opts.importer.id).toBe(admin.id);
    const before = [await count(db, 'customers'), await count(db, 'audit_log'), await count(db, 'counters')];
    const progress: number[] = [];
    const report = await importCustomersFromFile(db, gbkPath, { ...opts, onProgress: (_p, done) => progress.push(done) });

    expect(report.encoding).toBe('gbk');
    expect(report.applied).toBe(false);
    expect(report.totalRows).toBe(2000);
    expect(report.toCreate).toHaveLength(1900);
    expect(report.existing).toHaveLength(30);
    expect(report.duplicates).toHaveLength(50);
    expect(report.bad).toHaveLength(20);
    expect(report.ignoredHeaders).toEqual(['备注']);
    expect(progress.at(-1)).toBe(2000);

    const lineOf = (e: Entry) => gen.entries.indexOf(e) + 2; // header is line 1
    // Every category points at exactly the generated rows.
    expect(report.toCreate.map((x) => x.line)).toEqual(gen.entries.filter((e) => e.kind === 'new').map(lineOf));
    expect(report.existing.map((x) => x.line)).toEqual(gen.entries.filter((e) => e.kind === 'existing').map(lineOf));
    expect(report.duplicates.map((d) => [d.line, d.firstLine])).toEqual(
      gen.entries.filter((e) => e.kind === 'dup').map((e) => [lineOf(e), lineOf(e.of!)]),
    );
    for (const b of report.bad) {
      const e = gen.entries[b.line - 2]!;
      expect(e.kind).toBe('bad');
      expect(b.problems.join('；')).toContain(e.badBecause);
    }

    const yonggu = report.duplicates.find((d) => d.name === '永固阀门')!;
    expect(gen.entries[yonggu.firstLine - 2]!.row.name).toBe('宁波永固阀门有限公司');
    expect(yonggu.matchedBy).toBe('name');
    expect(report.duplicates.filter((d) => d.matchedBy === 'phone')).toHaveLength(10);
    expect(report.existing.filter((x) => x.matchedBy === 'phone')).toHaveLength(10);
    expect(report.existing.every((x) => /^C-\d+$/.test(x.code) && x.ownerName === '张伟')).toBe(true);

    const text = formatReport(report);
    expect(text).toContain('将新建：1900');
    expect(text).toContain('文件内重复（只导入第一次出现的行）：50');
    expect(text).toMatch(/第 \d+ 行「永固阀门」与第 \d+ 行公司名相同/);
    expect(text).toMatch(/第 \d+ 行：公司名称为空，请填写完整的公司名称/);
    expect(text).toContain('负责人：张伟');

    expect([await count(db, 'customers'), await count(db, 'audit_log'), await count(db, 'counters')]).toEqual(before);
  });

  it('apply creates exactly the creatable rows in one go; applying again creates nothing', { timeout: 180_000 }, async () => {
    const db = t().db;
    const before = await count(db, 'customers');
    const report = await importCustomersFromFile(db, gbkPath, { ...opts, apply: true });
    expect(report.applied).toBe(true);
    expect(report.created).toHaveLength(1900);
    expect(await count(db, 'customers')).toBe(before + 1900);
    const audits = await db.select({ id: auditLog.id }).from(auditLog).where(eq(auditLog.action, 'customer.create'));
    expect(audits).toHaveLength(before + 1900);
    // Short ids continue the tenant's sequence without gaps.
    const nos = report.created.map((c) => Number(c.code.slice(2)));
    expect(nos).toEqual(Array.from({ length: 1900 }, (_, i) => before + 1 + i));

    const [yonggu] = await db.select().from(customers).where(eq(customers.normalisedName, '永固阀门'));
    expect(yonggu).toMatchObject({ name: '宁波永固阀门有限公司', phoneNormalised: '13957400001' });
    // 负责人 column decides the owner; an empty cell makes an owner-less lead (no assignment rules here: the pool).
    const lina = gen.entries.find((e) => e.kind === 'new' && e.row.owner === '李娜')!;
    const [c1] = await db
      .select({ owner: users.name })
      .from(customers)
      .innerJoin(users, eq(users.id, customers.ownerId))
      .where(and(eq(customers.tenantId, tenantId), eq(customers.name, lina.row.name.trim())));
    expect(c1!.owner).toBe('李娜');
    const nobody = gen.entries.find((e) => e.kind === 'new' && e.row.owner === '')!;
    const [c2] = await db.select().from(customers).where(eq(customers.name, nobody.row.name.trim()));
    expect(c2).toMatchObject({ ownerId: null, assignedAt: null });
    expect(report.pool.count).toBe(gen.entries.filter((e) => e.kind === 'new' && e.row.owner === '').length);
    expect(report.pool.rows.every((r) => r.ownerName === '公海' && r.rule === '还没有设置分配规则，留在公海（/设置 分配）')).toBe(true);

    const again = await importCustomersFromFile(db, gbkPath, { ...opts, apply: true });
    expect(again.created).toHaveLength(0);
    expect(again.toCreate).toHaveLength(0);
    expect(again.existing).toHaveLength(1980);
    expect(again.bad).toHaveLength(20);
    expect(await count(db, 'customers')).toBe(before + 1900);
  });

  it('reads UTF-8 with BOM, custom header mappings, and explains a missing name column', async () => {
    const db = t().db;
    const csv = '\uFEFF客户名称,手机,等级,负责人,标签\r\n佛山恒达陶瓷机械有限公司,138 0013 9000,a,wangfang,"出口，重点、出口"\r\n';
    const report = await importCustomers(db, parseCsv(csv), opts);
    expect(report.toCreate).toHaveLength(1);
    expect(report.toCreate[0]).toMatchObject({
      line: 2,
      ownerName: '王芳',
      input: { name: '佛山恒达陶瓷机械有限公司', phone: '138 0013 9000', grade: 'A', tags: ['出口', '重点'] },
    });

    // A tag or phone over createCustomer's limits is a row to fix, not a failed import.
    const long = `公司名称,电话,标签\n温州长标签阀门有限公司,,${'很'.repeat(21)}\n温州长电话阀门有限公司,1380013${'0'.repeat(30)},\n`;
    const refused = await importCustomers(db, parseCsv(long), { ...opts, apply: true });
    expect(refused.counts).toMatchObject({ created: 0, bad: 2 });
    expect(refused.bad.map((b) => b.problems.join())).toEqual([`标签「${'很'.repeat(21)}」太长：标签最长 20 个字，现在 21 个字。`, '电话最长 30 个字，现在 37 个字。']);

    const english = 'Company,Mobile,Level\nAcme Valves Ltd,13800139001,B\n';
    const mapped = await importCustomers(db, parseCsv(english), { ...opts, mapping: { company: 'name', mobile: 'phone', level: 'grade' } });
    expect(mapped.toCreate[0]!.input).toMatchObject({ name: 'Acme Valves Ltd', grade: 'B' });
    await expect(importCustomers(db, parseCsv(english), opts)).rejects.toThrow(ImportFileError);
    await expect(importCustomers(db, parseCsv(english), opts)).rejects.toThrow(/找不到“公司名称”列/);
  });

  it('export → import dry run finds every customer already there', async () => {
    const db = t().db;
    const total = await count(db, 'customers');
    for (const enc of ['utf-8-bom', 'gbk'] as const) {
      const { text, rows } = await customersCsv(db, tenantId);
      expect(rows).toBe(total);
      const path = join(dir, `export-${enc}.csv`);
      writeFileSync(path, encodeCsv(text, enc));
      const report = await importCustomersFromFile(db, path, opts);
      expect(report.encoding).toBe(enc === 'gbk' ? 'gbk' : 'utf-8-bom');
      expect(report.totalRows).toBe(total);
      expect(report.existing).toHaveLength(total);
      expect([report.toCreate.length, report.duplicates.length, report.bad.length]).toEqual([0, 0, 0]);
      expect(report.existing.every((e) => e.matchedBy === 'name')).toBe(true);
    }
    const deals = await dealsCsv(db, tenantId);
    expect(deals.rows).toBe(await count(db, 'deals'));
    expect(deals.text.split('\r\n')[0]).toContain('商机名称');
  });
});

describe('deal export', () => {
  const t = useTestDb();
  it('writes amounts in yuan and stage labels in Chinese', async () => {
    const db = t().db;
    const tenant = await ensureDefaultTenant(db, { name: '测试工厂', timeZone: 'Asia/Shanghai' });
    const u = await resolveUser(db, { tenantId: tenant.id, platform: 'console', platformUserId: 'zw', displayName: '张伟' });
    const ctx: Ctx = { db, actor: toActor(u), now: new Date('2026-03-02T02:00:00Z'), timeZone: 'Asia/Shanghai' };
    const c = await createCustomer(ctx, { name: '宁波精工模具有限公司' });
    if (!c.created) throw new Error('expected a new customer');
    await db.insert(deals).values({
      tenantId: tenant.id,
      shortNo: 7,
      customerId: c.customer.id,
      title: '注塑模具',
      amountFen: 5_000_005,
      ownerId: u.id,
      createdAt: ctx.now,
      lastActivityAt: ctx.now,
    });
    const { text } = await dealsCsv(db, tenant.id);
    const [header, row] = parseCsv(text);
    expect(header!.cells.slice(0, 7)).toEqual(['编号', '客户编号', '客户名称', '商机名称', '金额（元）', '币种', '阶段']);
    expect(row!.cells.slice(0, 8)).toEqual(['D-7', 'C-1', '宁波精工模具有限公司', '注塑模具', '50000.05', 'CNY', '线索', '10']);
    expect(row!.cells.at(-1)).toBe('2026-03-02 10:00');
  });
});
