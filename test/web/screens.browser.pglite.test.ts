// The dashboard's screens in Chromium at phone size (390 px), against the production app on 127.0.0.1: the team
// heatmap is drawn and its counts are the API's, the performance bars are drawn, a manager approves from the page
// and every copy of the approval card is updated (the console mailbox and the outbox say so), a deal's 360° view
// opens from a list, and a rep cannot open another rep's deal by URL. Screenshots of each screen go to
// test/artifacts/ (ignored by git) and are checked not blank.
import { join } from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { type Browser, type Page } from 'playwright-core';
import { ARTIFACTS, launchChromium, PHONE } from '../helpers/browser.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalRequests, outbox, sentCards } from '../../src/db/schema/index.js';
import { createChat, type Chat } from '../helpers/chat.js';
import { useTestDb } from '../helpers/db.js';

const dealNo = (text: string) => /已创建商机 (D-\d+)/.exec(text)![1]!;

/** The share of a chart's canvas pixels that are painted (runs in the page; typed loosely: no DOM types here). */
const painted = (page: Page, selector: string) =>
  page.evaluate((sel) => {
    const c = (globalThis as any).document.querySelector(sel);
    if (!c) return -1;
    const d: Uint8ClampedArray = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i]! > 0) n++;
    return n / (c.width * c.height);
  }, selector);

/** A full-page screenshot at phone size, not blank: big enough and with more than one colour in it. */
async function shot(page: Page, name: string) {
  const png = await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  expect(png.length, name).toBeGreaterThan(10_000);
  const colours = await page.evaluate(() => (globalThis as any).document.body.innerText.trim().length);
  expect(colours, name).toBeGreaterThan(10);
}

describe('the dashboard screens in Chromium at phone size', () => {
  const t = useTestDb();
  let browser: Browser;
  let chat: Chat;
  let base: string;
  let now = new Date('2026-11-20T02:00:00Z');
  let mine = '';
  let theirs = '';
  let approval = '';
  let other = '';

  const signIn = async (who: string) => {
    const link = /\/app\/login\?t=[A-Za-z0-9_-]+/.exec((await chat.say(who, '/看板')).text)![0];
    const context = await browser.newContext({ viewport: PHONE, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'zh-CN' });
    const page = await context.newPage();
    await page.goto(`${base}${link}`);
    await page.getByTestId('me').waitFor();
    return page;
  };

  beforeAll(async () => {
    browser = await launchChromium();
    chat = createChat(t(), { now: () => now });
    const app = await chat.app();
    base = await app.server.listen({ host: '127.0.0.1', port: 0 });
    await chat.say('管理员', '/帮助', { role: 'admin' });
    await chat.say('吴经理', '/帮助', { role: 'manager' });
    for (const rep of ['甲销售', '乙销售']) {
      await chat.say(rep, '/帮助');
      await chat.say('管理员', `/设置 上级 ${rep} 吴经理`);
    }
    await chat.say('乙销售', '/新客户 台州泵业 13900003333');
    theirs = dealNo((await chat.say('乙销售', '/新商机 台州泵业 离心泵 5万')).text);
    await chat.say('甲销售', '/新客户 温州阀门厂 13900002222');
    mine = dealNo((await chat.say('甲销售', '/新商机 温州阀门 球阀 3万')).text);
    await chat.say('甲销售', `/跟进 ${mine} 电话 客户要球阀 下一步:报方案`);
    now = new Date('2026-12-03T02:00:00Z');
    await chat.say('甲销售', `/跟进 ${mine} 拜访 看了现场 下一步:出报价`);
    await chat.say('吴经理', '/设置 目标 甲销售 2026-12 10万');
    approval = /A-\d+/.exec((await chat.say('甲销售', `/报价 ${mine} 2万`)).text)![0];
    other = /A-\d+/.exec((await chat.say('乙销售', `/报价 ${theirs} 1万`)).text)![0];
    await chat.inbox('吴经理');
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('a manager sees the heatmap (and narrows it to one rep) and the bars, rejects with a reason and approves from the page (the card copies update), and opens a deal’s 360° view', async () => {
    const page = await signIn('吴经理');
    await page.getByTestId('count-lead').waitFor();
    await page.locator('select[name=rep]').waitFor();
    expect(await page.locator('select[name=rep] option').allTextContents()).toEqual(expect.arrayContaining(['全部销售', '甲销售', '乙销售']));
    await shot(page, 'screens-home');

    // Team: the heatmap is drawn, and the counts beside it are the API's.
    await page.goto(`${base}/app#/team`);
    await page.getByTestId('heatmap-chart').locator('canvas').first().waitFor();
    expect(await painted(page, '#heatmap-chart canvas')).toBeGreaterThan(0.05);
    const team = (await page.evaluate(async () => (await fetch('/app/api/team')).json())) as { team: { reps: Array<{ name: string; due: number; followUpsThisWeek: number }>; stagnant: unknown[] } };
    for (const r of team.team.reps) {
      expect(await page.getByTestId(`due-${r.name}`).textContent(), r.name).toBe(String(r.due));
      expect(await page.getByTestId(`week-${r.name}`).textContent(), r.name).toBe(String(r.followUpsThisWeek));
    }
    expect(await page.getByTestId('week-甲销售').textContent()).toBe('1');
    expect(await page.getByTestId('due-乙销售').textContent()).toBe('1');
    await shot(page, 'screens-team');
    // The rep filter narrows the screen to one person.
    await page.locator('select[name=rep]').selectOption({ label: '乙销售' });
    await page.locator('tr[data-rep]').first().waitFor();
    await page.waitForFunction(() => (globalThis as any).document.querySelectorAll('tr[data-rep]').length === 1);
    expect(await page.locator('tr[data-rep] td').first().textContent()).toBe('乙销售');
    await page.locator('select[name=rep]').selectOption({ label: '全部销售' });
    await page.waitForFunction(() => (globalThis as any).document.querySelectorAll('tr[data-rep]').length === 2);

    // From the due list to 乙's deal's 360° view.
    await page.getByTestId('team-due-list').getByRole('link', { name: new RegExp(theirs) }).click();
    await page.getByTestId('deal').waitFor();
    expect(await page.getByTestId('deal').textContent()).toContain('台州泵业');
    await shot(page, 'screens-deal');

    // Performance: the bars are drawn; the figures are /业绩's.
    await page.goto(`${base}/app#/perf`);
    await page.getByTestId('perf-chart').locator('canvas').first().waitFor();
    expect(await painted(page, '#perf-chart canvas')).toBeGreaterThan(0.01);
    await page.locator('select[name=rep]').selectOption({ label: '甲销售' });
    await page.getByText('甲销售 · 2026-12').waitFor();
    expect(await page.getByTestId('target').textContent()).toBe('¥100,000');
    await shot(page, 'screens-performance');

    // Approvals: approve from the page; every copy of the card is updated, the rep is told.
    await page.goto(`${base}/app#/approvals`);
    await page.getByTestId(`approve-${approval}`).waitFor();
    await shot(page, 'screens-approvals');
    // Rejecting needs a reason: without one the service's sentence is shown and nothing changes.
    await page.getByTestId(`reject-${other}`).click();
    await page.getByTestId('approval-result').getByText('驳回需要写原因').waitFor();
    await page.getByLabel(`${other} 的意见`).fill('价格太低');
    await page.getByTestId(`reject-${other}`).click();
    await page.getByTestId('approval-result').getByText(`已驳回 ${other}`).waitFor();
    expect(await page.getByTestId('approval-list').textContent()).not.toContain(other);
    await page.getByTestId(`approve-${approval}`).click();
    await page.getByTestId('approval-result').getByText(`已批准 ${approval}`).waitFor();
    expect(await page.getByTestId('approval-result').textContent()).toBe(`已批准 ${approval}，审批已全部通过，已通知 甲销售。`);
    expect(await page.getByTestId('approval-list').textContent()).toContain('没有等你审批的报价');
    const [request] = await t().db.select().from(approvalRequests).where(eq(approvalRequests.shortNo, Number(approval.slice(2))));
    expect(request!.status).toBe('approved');
    const copies = await t().db.select().from(sentCards).where(eq(sentCards.subjectId, request!.id));
    expect(copies.length).toBeGreaterThan(0);
    const updates = await t().db.select().from(outbox).where(sql`${outbox.payload}->>'op' = 'update' and ${outbox.target}->>'cardRef' = any(${`{${copies.map((c) => c.cardRef).join(',')}}`}::text[])`);
    expect(updates.map((u) => (u.target as { cardRef: string }).cardRef).sort()).toEqual(copies.map((c) => c.cardRef).sort());
    expect(updates.every((u) => (u.payload as { card: { state: string } }).card.state === 'success')).toBe(true);
    const inbox = (await chat.inbox('吴经理')).filter((e) => e.kind === 'update');
    expect(inbox.at(-1)).toMatchObject({ kind: 'update', card: { state: 'success', buttons: [] } });
    const told = (await chat.inbox('甲销售')).map((e) => (e.kind === 'message' && e.message.type === 'text' ? e.message.text : '')).join('\n');
    expect(told).toContain(`${approval} 已通过`);
    await shot(page, 'screens-approved');
    await page.context().close();
  });

  it("a rep has no team screen and cannot open another rep's deal by URL", async () => {
    const page = await signIn('甲销售');
    await page.goto(`${base}/app#/team`);
    await page.getByTestId('notice').waitFor();
    expect(await page.getByTestId('notice').textContent()).toContain('只对有下属的经理和总监开放');
    await page.goto(`${base}/app#/deal/${theirs}`);
    await page.getByTestId('notice').getByText(`没有找到你能查看的商机 ${theirs}`).waitFor();
    expect(await page.content()).not.toContain('台州泵业');
    await page.goto(`${base}/app#/deal/${mine}`);
    await page.getByTestId('deal').waitFor();
    expect(await page.getByTestId('follow-ups').textContent()).toContain('下一步：出报价');
    await shot(page, 'screens-deal-rep');
    await page.context().close();
  });
});
