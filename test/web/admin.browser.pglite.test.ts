// The admin screens in a real browser (Chromium via playwright-core, as dashboard.browser.pglite.test.ts): an admin
// opens 管理 from the home header, is told under the field why 八万多 is not an amount, saves 8万 (read back from the
// settings service), adds an assignment rule, sets the pool's daily claims (0 refused) and a working Saturday, then uploads a CSV, reads the dry run with its merge list, applies it, watches the progress bar
// reach 100 % and finds the customers in the database. Screenshots go to test/artifacts/ (ignored by git).
import { join } from 'node:path';
import { eq, inArray } from 'drizzle-orm';
import { type Browser } from 'playwright-core';
import { ARTIFACTS, launchChromium, PHONE } from '../helpers/browser.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customers, users } from '../../src/db/schema/index.js';
import { tenantSettings } from '../../src/services/tenant-settings.js';
import { createChat, type Chat } from '../helpers/chat.js';
import { useTestDb } from '../helpers/db.js';


/** A company name that would run if it ever became markup. */
const HOSTILE = '<img src=x onerror=window.pwned=1>机械有限公司';
const CSV = [
  '公司名称,电话,地区,负责人',
  '宁波甲江阀门有限公司,13600000001,浙江,甲销售',
  '浙江华东五金制品有限公司,13600000002,浙江,甲销售',
  '温州乙江机械有限公司,13600000003,浙江,',
  '台州丙山泵业有限公司,13600000004,浙江,甲销售',
  ',13600000005,浙江,',
  `${HOSTILE},13600000006,浙江,`,
  '',
].join('\n');
const NEW = ['浙江华东五金制品有限公司', '温州乙江机械有限公司', '台州丙山泵业有限公司', HOSTILE];

describe('the admin screens in Chromium at phone size', () => {
  const t = useTestDb();
  let browser: Browser;
  let chat: Chat;
  let base: string;

  beforeAll(async () => {
    browser = await launchChromium();
    chat = createChat(t());
    const app = await chat.app();
    base = await app.server.listen({ host: '127.0.0.1', port: 0 });
    await chat.say('管理员', '/帮助', { role: 'admin' });
    await chat.say('甲销售', '/新客户 宁波甲江阀门有限公司 13600000001');
    await chat.say('甲销售', '/新客户 华东五金');
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('edits an approval threshold with its validation message, then imports a CSV: dry run, merge list, apply, 100 %', async () => {
    const db = t().db;
    const tenantId = (await db.select().from(users).where(eq(users.name, '管理员')))[0]!.tenantId;
    const link = /\/app\/login\?t=[A-Za-z0-9_-]+/.exec((await chat.say('管理员', '/看板')).text)![0];
    const context = await browser.newContext({ viewport: PHONE, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'zh-CN' });
    const page = await context.newPage();
    await page.goto(`${base}${link}`);
    await page.getByTestId('to-admin').click();
    await page.getByTestId('form-approval').waitFor();
    expect(await page.getByTestId('input-amount').inputValue()).toBe('50000');
    expect(await page.getByTestId('input-discount').inputValue()).toBe('5%');

    // A bad value: the chat's sentence under the field, and nothing changes.
    await page.getByTestId('input-amount').fill('八万多');
    await page.getByTestId('form-approval').getByRole('button', { name: '保存' }).click();
    await page.getByTestId('error-amount').filter({ hasText: '看不懂' }).waitFor();
    expect(await page.getByTestId('error-amount').textContent()).toBe('看不懂「八万多」：金额写成 5万，折扣写成 5%。');
    expect((await tenantSettings(db, tenantId)).approval.financeTechMinFen).toBe(5_000_000);
    const refused = await page.screenshot({ path: join(ARTIFACTS, 'admin-rules-refused.png'), fullPage: true });
    expect(refused.length).toBeGreaterThan(10_000);

    await page.getByTestId('input-amount').fill('8万');
    await page.getByTestId('form-approval').getByRole('button', { name: '保存' }).click();
    await page.getByTestId('status-approval').filter({ hasText: '已保存' }).waitFor();
    expect(await page.getByTestId('input-amount').inputValue()).toBe('80000');
    expect(await page.getByTestId('error-amount').textContent()).toBe('');
    expect((await tenantSettings(db, tenantId)).approval.financeTechMinFen).toBe(8_000_000);

    // An assignment rule for the import's owner-less rows: an unknown target is refused under the form, then added.
    const rule = page.getByTestId('form-assignment');
    await page.getByTestId('input-match').fill('浙江');
    await page.getByTestId('input-target').fill('没有这个人');
    await rule.getByRole('button', { name: '添加规则' }).click();
    await page.getByTestId('error-assignment').filter({ hasText: '没有这个人' }).waitFor();
    expect((await tenantSettings(db, tenantId)).assignment.rules).toEqual([]);
    await page.getByTestId('input-target').fill('甲销售');
    await rule.getByRole('button', { name: '添加规则' }).click();
    await page.getByTestId('status-assignment').filter({ hasText: '已添加' }).waitFor();
    expect(await page.getByTestId('assignment-rules').textContent()).toContain('地区「浙江」→ 甲销售');
    expect((await tenantSettings(db, tenantId)).assignment.rules).toMatchObject([{ by: 'region', match: '浙江' }]);
    // The pool's daily claims: 0 is refused under the field with /设置 公海's sentence, 5 is saved and read back.
    const pool = page.getByTestId('form-pool');
    expect(await page.getByTestId('input-claimsPerDay').inputValue()).toBe('10');
    await page.getByTestId('input-claimsPerDay').fill('0');
    await pool.getByRole('button', { name: '保存' }).click();
    await page.getByTestId('error-claimsPerDay').filter({ hasText: '请写' }).waitFor();
    expect(await page.getByTestId('error-claimsPerDay').textContent()).toBe('请写 1–1000 的个数（收到「0」）。');
    expect((await tenantSettings(db, tenantId)).pool.claimsPerDay).toBe(10);
    await page.getByTestId('input-claimsPerDay').fill('5');
    await pool.getByRole('button', { name: '保存' }).click();
    await page.getByTestId('status-pool').filter({ hasText: '已保存' }).waitFor();
    expect(await page.getByTestId('input-claimsPerDay').inputValue()).toBe('5');
    expect((await tenantSettings(db, tenantId)).pool.claimsPerDay).toBe(5);

    // Working days are checkboxes: Saturday added, the day after the last, saved in order.
    const hours = page.getByTestId('form-hours');
    await page.getByTestId('input-workDays').getByLabel('周六').check();
    await page.getByTestId('input-workEnd').selectOption('17');
    await hours.getByRole('button', { name: '保存' }).click();
    await page.getByTestId('status-hours').filter({ hasText: '已保存' }).waitFor();
    expect((await tenantSettings(db, tenantId)).workingHours).toEqual({ start: 9, end: 17, days: [1, 2, 3, 4, 5, 6] });
    expect(await page.getByTestId('input-workDays').getByLabel('周六').isChecked()).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, 'admin-rules-saved.png'), fullPage: true });

    // The import: dry run first, nothing written.
    await page.getByTestId('to-import').click();
    await page.getByTestId('input-file').setInputFiles({ name: '客户.csv', mimeType: 'text/csv', buffer: Buffer.from(CSV, 'utf8') });
    await page.getByTestId('dry-run').click();
    await page.getByTestId('summary').waitFor();
    expect(await page.getByTestId('summary').textContent()).toContain('数据行 6：将新建 4，已存在 1，文件内重复 0，可能重复 1，需修改 1');
    const merge = await page.getByTestId('merge-list').textContent();
    expect(merge).toContain('第 2 行「宁波甲江阀门有限公司」= 已有客户');
    expect(merge).toContain('第 3 行「浙江华东五金制品有限公司」≈ 已有客户');
    expect(merge).toContain('「华东五金」');
    expect(await page.getByTestId('pool').textContent()).toContain('第 4 行「温州乙江机械有限公司」→ 甲销售');
    expect(await page.getByTestId('pool').textContent()).toContain(`「${HOSTILE}」→ 甲销售`);
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as any).pwned)).toBeUndefined();
    expect(await page.getByTestId('progress').getAttribute('aria-valuenow')).toBe('100');
    const csvHref = await page.getByTestId('problems-csv').getAttribute('href');
    const problems = await page.evaluate(async (href) => (await fetch(href!)).text(), csvHref);
    expect(problems).toContain('13600000005');
    expect(await db.select().from(customers).where(inArray(customers.name, NEW))).toHaveLength(0);
    const dryShot = await page.screenshot({ path: join(ARTIFACTS, 'admin-import-dry-run.png'), fullPage: true });
    expect(dryShot.length).toBeGreaterThan(10_000);

    // Apply: the bar starts again from 0, only moves forward, reaches 100 %, and the customers exist.
    await page.getByTestId('progress').evaluate((p) => {
      const seen: string[] = ((globalThis as any).barSeen = []);
      new (globalThis as any).MutationObserver(() => seen.push(p.getAttribute('aria-valuenow')!)).observe(p, { attributes: true, attributeFilter: ['aria-valuenow'] });
    });
    await page.getByTestId('apply').click();
    await page.getByTestId('summary').filter({ hasText: '导入完成' }).waitFor();
    const seen = (await page.evaluate(() => (globalThis as any).barSeen as string[])).map(Number);
    expect(seen[0]).toBe(0);
    expect(seen.at(-1)).toBe(100);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(await page.getByTestId('progress').evaluate((p) => (p as unknown as { value: number }).value)).toBe(100);
    expect(await page.getByTestId('progress-text').textContent()).toBe('100% 导入完成');
    expect(await page.getByTestId('codes').textContent()).toMatch(/^新客户编号：C-\d+ … C-\d+$/);
    const rows = await db.select({ name: customers.name, owner: users.name }).from(customers).leftJoin(users, eq(users.id, customers.ownerId)).where(inArray(customers.name, NEW));
    expect(rows.map((r) => r.name).sort()).toEqual([...NEW].sort());
    expect(rows.every((r) => r.owner === '甲销售')).toBe(true);
    const doneShot = await page.screenshot({ path: join(ARTIFACTS, 'admin-import-applied.png'), fullPage: true });
    expect(doneShot.length).toBeGreaterThan(10_000);
    await context.close();

    // A rep sees no 管理 link, and the screen by URL says it is for admins.
    const repLink = /\/app\/login\?t=[A-Za-z0-9_-]+/.exec((await chat.say('甲销售', '/看板')).text)![0];
    const rep = await browser.newPage({ viewport: PHONE });
    await rep.goto(`${base}${repLink}`);
    await rep.getByTestId('me').waitFor();
    expect(await rep.getByTestId('to-admin').count()).toBe(0);
    await rep.goto(`${base}/app#/admin/import`);
    await rep.getByTestId('notice').waitFor();
    expect(await rep.getByTestId('notice').textContent()).toContain('只有管理员可以导入客户');
    await rep.close();
  });
});
