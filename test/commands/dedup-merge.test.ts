import { and, eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import type { MailboxEntry } from '../../bots/console/mailbox.js';
import type { CardButton } from '../../cards/model.js';
import type { Db } from '../../src/db/client.js';
import { queryRows } from '../../src/db/rows.js';
import { auditLog, contacts, customers, deals, followUps, quotes, tenants, users } from '../../src/db/schema/index.js';
import { parseCsv } from '../../src/import/decode.js';
import { findImporter, formatReport, importCustomers } from '../../src/import/customers.js';
import { CONSOLE_TENANT_KEY } from '../../bots/console/adapter.js';
import { isDomainError } from '../../src/domain/errors.js';
import { mergeCustomers } from '../../src/services/merge.js';
import { createChat, type Chat } from '../helpers/chat.js';
import { testDriver, useTestDb } from '../helpers/db.js';

const count = async (db: Db, table: string) =>
  Number((await queryRows<{ n: number }>(db, sql.raw(`select count(*)::int as n from ${table}`)))[0]!.n);
const idIn = (text: string) => /C-\d+/.exec(text)![0];
const buttonsOf = (entries: MailboxEntry[]): CardButton[] =>
  entries.flatMap((e) => (e.kind === 'message' && e.message.type === 'card' ? e.message.card.buttons : []));

describe(`dedup that survives real names, and /合并 (${testDriver()})`, () => {
  const t = useTestDb();

  /** ${p}张三 owns ${core} (C-n). */
  let phone = 13600000000;
  async function seed(chat: Chat, p: string, core: string) {
    const created = await chat.say(`${p}张三`, `/新客户 ${core} ${++phone}`);
    expect(created.text).toContain('已创建客户');
    return idIn(created.text);
  }

  it('offers the issue examples as the same company instead of creating them, showing a colleague only name and owner', async () => {
    const chat = createChat(t());
    const c1 = await chat.say('张三', '/新客户 华东五金 13800138000');
    const id = idIn(c1.text);
    const before = await count(t().db, 'customers');

    const similar = await chat.say('李四', '/新客户 浙江华东五金制品有限公司');
    expect(similar.text).toContain(`可能是同一家：${id} 华东五金（负责人 张三）`);
    expect(similar.text).toContain('是同一家');
    expect(similar.text).toContain('新建「浙江华东五金制品有限公司」');
    expect(similar.text).not.toMatch(/138/);

    const bracketed = await chat.say('李四', '/新客户 华东五金(浙江)有限公司');
    expect(bracketed.text).toContain(`客户已存在（公司名相同）：${id} 华东五金，负责人：张三`);
    const widthAndPunct = await chat.say('李四', '/新客户 华东·五金（宁波）有限公司');
    expect(widthAndPunct.text).toContain(`客户已存在（公司名相同）：${id}`);
    const fullWidthPhone = await chat.say('李四', '/新客户 完全不同的名字 １３８００１３８０００');
    expect(fullWidthPhone.text).toContain(`客户已存在（电话相同）：${id}`);
    expect(await count(t().db, 'customers')).toBe(before);

    // Their own customer: the phone is shown, masked.
    const own = await chat.say('张三', '/新客户 浙江华东五金制品有限公司');
    expect(own.text).toContain(`可能是同一家：${id} 华东五金（负责人 你，电话 138＊＊＊＊8000）`);
    expect(await count(t().db, 'customers')).toBe(before);
  });

  it('是同一家 uses the existing customer and writes nothing; 新建 creates it', async () => {
    const chat = createChat(t());
    const id = await seed(chat, '乙', '恒通轴承');
    const before = await count(t().db, 'customers');
    const audits = await count(t().db, 'audit_log');

    const asked = await chat.say('乙李四', '/新客户 浙江恒通轴承制品有限公司 地区:浙江');
    expect(asked.text).toContain(`可能是同一家：${id} 恒通轴承（负责人 乙张三）`);
    const same = await chat.say('乙李四', '1');
    expect(same.text).toContain(`好的，用现有客户 ${id} 恒通轴承（负责人：乙张三），没有新建。`);
    expect(await count(t().db, 'customers')).toBe(before);
    expect(await count(t().db, 'audit_log')).toBe(audits);

    // The same question again, answered by clicking 新建 on the card.
    const again = await chat.say('乙李四', '/新客户 浙江恒通轴承制品有限公司 地区:浙江');
    const create = buttonsOf(again.entries)[1]!;
    expect(create.label).toBe('2');
    const created = await chat.click('乙李四', create);
    expect(created.text).toMatch(/已创建客户 C-\d+ 浙江恒通轴承制品有限公司（地区 浙江）/);
    expect(await count(t().db, 'customers')).toBe(before + 1);
    const [row] = await t().db.select().from(customers).where(eq(customers.name, '浙江恒通轴承制品有限公司'));
    expect(row).toMatchObject({ normalisedName: '恒通轴承制品', region: '浙江' });
    expect(row!.nameGrams).toContain('恒通');

    // A hand-typed 选用: for a customer that the name would not have suggested reveals nothing and writes nothing.
    const crafted = await chat.say('乙李四', `/新客户 毫不相干机床 选用:${id}`);
    expect(crafted.text).toContain('不在为「毫不相干机床」找到的相似客户里');
    expect(crafted.text).not.toContain('乙张三');
    expect(await count(t().db, 'customers')).toBe(before + 1);
  });

  it('keeps unrelated companies apart: different places, or only a shared trade word', async () => {
    const chat = createChat(t());
    expect((await chat.say('丙', '/新客户 丙永固精密铸造 13100000001')).text).toContain('已创建客户');
    expect((await chat.say('丙', '/新客户 丙恒远精密铸造 13100000002')).text).toContain('已创建客户');
    expect((await chat.say('丙', '/新客户 上海丙鼎盛阀门有限公司')).text).toContain('已创建客户');
    // Same key, two different stated places: asked, not silently taken as the same.
    const elsewhere = await chat.say('丙', '/新客户 丙鼎盛阀门（宁波）有限公司');
    expect(elsewhere.text).toContain('可能是同一家：');
    expect(elsewhere.text).toContain('上海丙鼎盛阀门有限公司');
  });

  it('lists similar names in the CSV dry run as a merge list, writing nothing', async () => {
    const chat = createChat(t());
    const id = await seed(chat, '丁', '金鼎阀门');
    const [me] = await t().db.select().from(users).where(eq(users.name, '丁张三'));
    const csv = '公司名称,电话\n浙江金鼎阀门制品有限公司,\n金鼎阀门（浙江）有限公司,\n全新客户机床,13911112222\n';
    const before = await count(t().db, 'customers');
    const report = await importCustomers(t().db, parseCsv(csv), { tenantId: me!.tenantId, importer: await findImporter(t().db, me!.tenantId, '丁张三') });
    expect(report.similar).toEqual([
      expect.objectContaining({ line: 2, name: '浙江金鼎阀门制品有限公司', code: id, existingName: '金鼎阀门', match: 'contains' }),
    ]);
    expect(report.existing).toEqual([expect.objectContaining({ line: 3, code: id, matchedBy: 'name' })]);
    expect(report.toCreate.map((r) => r.line)).toEqual([2, 4]);
    const text = formatReport(report);
    expect(text).toContain('可能重复（名称与已有客户相似');
    expect(text).toContain(`第 2 行「浙江金鼎阀门制品有限公司」 ≈ ${id} 金鼎阀门（负责人：丁张三）`);
    expect(await count(t().db, 'customers')).toBe(before);
  });

  it('merges for a manager: moves deals, quotes, follow-ups, contacts and tags, audits, and hides the merged one', async () => {
    const db = t().db;
    const chat = createChat(t());
    await chat.say('戊管理员', '/帮助', { role: 'admin' });
    await chat.say('戊经理', '/帮助', { role: 'manager' });
    await chat.say('戊外组经理', '/帮助', { role: 'manager' });
    await chat.say('戊李四', '/帮助');
    await chat.say('戊管理员', '/设置 上级 戊李四 戊经理');
    const keep = idIn((await chat.say('戊李四', '/新客户 瑞丰电器 13700001111')).text);
    await chat.say('戊李四', '/新客户 浙江瑞丰电器制品有限公司');
    const dup = idIn((await chat.say('戊李四', '2')).text);
    const d = /D-\d+/.exec((await chat.say('戊李四', `/新商机 ${dup} 铸件 8万`)).text)![0];
    await chat.say('戊李四', `/跟进 ${d} 电话沟通了交期`);
    const [from] = await db.select().from(customers).where(eq(customers.name, '浙江瑞丰电器制品有限公司'));
    const [into] = await db.select().from(customers).where(eq(customers.name, '瑞丰电器'));
    await db.update(customers).set({ tags: ['外资', '潜在'] }).where(eq(customers.id, from!.id));
    await db.update(customers).set({ tags: ['潜在'] }).where(eq(customers.id, into!.id));
    await db.insert(contacts).values({ tenantId: from!.tenantId, customerId: from!.id, name: '王经理', title: '采购' });
    const [deal] = await db.select().from(deals).where(eq(deals.customerId, from!.id));
    await db.insert(quotes).values({ tenantId: from!.tenantId, shortNo: 9001, dealId: deal!.id, amountFen: 8_000_000, createdById: deal!.ownerId });

    const audits = await count(db, 'audit_log');
    const refusals: Array<[string, string, string]> = [
      ['戊李四', `/合并 ${dup} ${keep}`, '只有销售经理或管理员可以合并客户'],
      ['戊经理', `/合并 ${keep} ${keep}`, '不能把'],
      ['戊外组经理', `/合并 ${dup} ${keep}`, '不属于你或你的下属'],
      ['戊经理', `/合并 瑞丰电器 ${keep}`, '合并请用客户编号'],
      ['戊经理', `/合并 C-99999 ${keep}`, '没有找到客户 C-99999'],
    ];
    for (const [who, line, reason] of refusals) expect((await chat.say(who, line)).text).toContain(reason);
    expect(await count(db, 'audit_log')).toBe(audits);
    expect((await db.select().from(customers).where(eq(customers.id, from!.id)))[0]!.mergedIntoId).toBeNull();

    const merged = await chat.say('戊经理', `/合并 ${dup} ${keep}`);
    expect(merged.text).toContain(`已把 ${dup} 浙江瑞丰电器制品有限公司 合并到 ${keep} 瑞丰电器。`);
    expect(merged.text).toContain('移过去的：商机 1 个、报价 1 个、跟进 1 条、联系人 1 个、标签 1 个。');
    expect(merged.text).toContain(`${keep} 原来没有的地区已从 ${dup} 补上。`);

    const dealRows = await db.select().from(deals).where(eq(deals.customerId, into!.id));
    expect(dealRows.map((x) => x.title)).toEqual(['铸件']);
    expect(await db.select().from(deals).where(eq(deals.customerId, from!.id))).toHaveLength(0);
    expect((await db.select().from(followUps).where(eq(followUps.customerId, into!.id))).length).toBeGreaterThanOrEqual(1);
    expect(await db.select().from(followUps).where(eq(followUps.customerId, from!.id))).toHaveLength(0);
    expect(await db.select().from(contacts).where(eq(contacts.customerId, into!.id))).toHaveLength(1);
    expect(await db.select().from(quotes).where(eq(quotes.dealId, dealRows[0]!.id))).toHaveLength(1);
    const [keptRow] = await db.select().from(customers).where(eq(customers.id, into!.id));
    expect(keptRow).toMatchObject({ tags: ['潜在', '外资'], region: '浙江', phoneNormalised: '13700001111' });
    const [mergedRow] = await db.select().from(customers).where(eq(customers.id, from!.id));
    expect(mergedRow!.mergedIntoId).toBe(into!.id);
    const trail = await db.select().from(auditLog).where(and(eq(auditLog.entityId, from!.id), eq(auditLog.action, 'customer.merge')));
    expect(trail).toHaveLength(1);
    expect(trail[0]!.viaPlatform).toBe('console');
    expect(await count(db, 'audit_log')).toBe(audits + 2);

    expect((await chat.say('戊李四', `/查看 ${dup}`)).text).toContain(`${dup} 已合并到 ${keep}`);
    const shown = await chat.say('戊李四', '/查看 浙江瑞丰电器制品');
    expect(shown.text).toContain(`${keep} 瑞丰电器`);
    expect(shown.text).toContain('铸件');
    expect((await chat.say('戊李四', '/新客户 浙江瑞丰电器制品有限公司')).text).toContain(`客户已存在（公司名相同）：${keep}`);
    expect((await chat.say('戊经理', `/合并 ${dup} ${keep}`)).text).toContain(`${dup} 已合并到 ${keep}`);
    expect(await count(db, 'audit_log')).toBe(audits + 2);
    expect((await chat.say('戊经理', '/帮助')).text).toContain('/合并（/merge）');
  });

  it('cannot reach another tenant\'s customers', async () => {
    const db = t().db;
    const [other] = await db.insert(tenants).values({ name: '别家工厂' }).returning();
    const [boss] = await db.insert(users).values({ tenantId: other!.id, name: '别家管理员', role: 'admin' }).returning();
    const [mine] = await queryRows<{ n: number }>(db, sql`select min(short_no)::int as n from customers c join tenants t on t.id = c.tenant_id`);
    const before = await db.select().from(customers).orderBy(customers.id);
    const ctx = { db, actor: { tenantId: other!.id, userId: boss!.id, name: '别家管理员', role: 'admin' as const }, now: new Date(), timeZone: 'Asia/Shanghai' };
    const err = await mergeCustomers(ctx, `C-${mine!.n}`, `C-${mine!.n + 1}`).catch((e: unknown) => e);
    expect(isDomainError(err) && err.code).toBe('NOT_FOUND');
    expect(await db.select().from(customers).orderBy(customers.id)).toEqual(before);
    expect(CONSOLE_TENANT_KEY).toBeTruthy();
  });
});
