// The dashboard in a real browser: Debian's Chromium (/usr/bin/chromium, installed by .ci/run) driven by
// playwright-core against the production app listening on 127.0.0.1. Signs in through a /看板 link at phone size,
// checks the funnel on screen equals the API, that the chart's canvas is drawn, that a rep cannot open another rep's
// deal by URL, and saves screenshots under test/artifacts/ (ignored by git).
import { join } from 'node:path';
import { type Browser } from 'playwright-core';
import { ARTIFACTS, launchChromium, PHONE } from '../helpers/browser.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChat, type Chat } from '../helpers/chat.js';
import { useTestDb } from '../helpers/db.js';


describe('the dashboard in Chromium at phone size', () => {
  const t = useTestDb();
  let browser: Browser;
  let chat: Chat;
  let base: string;
  let theirs: string;

  beforeAll(async () => {
    browser = await launchChromium();
    chat = createChat(t());
    const app = await chat.app();
    base = await app.server.listen({ host: '127.0.0.1', port: 0 });
    await chat.say('管理员', '/帮助', { role: 'admin' });
    await chat.say('甲销售', '/新客户 温州阀门厂 13900002222');
    await chat.say('甲销售', '/新商机 温州阀门 球阀 3万');
    await chat.say('甲销售', '/新商机 温州阀门 闸阀 2万');
    await chat.say('乙销售', '/新客户 台州泵业 13900003333');
    theirs = /D-\d+/.exec((await chat.say('乙销售', '/新商机 台州泵业 离心泵 5万')).text)![0];
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('signs in from a /看板 link, shows the API funnel, draws the chart, and keeps other reps’ deals out', async () => {
    const link = /\/app\/login\?t=[A-Za-z0-9_-]+/.exec((await chat.say('甲销售', '/看板')).text)![0];
    const context = await browser.newContext({ viewport: PHONE, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'zh-CN' });
    const page = await context.newPage();
    await page.goto(`${base}${link}`);
    expect(new URL(page.url()).pathname).toBe('/app');
    await page.getByTestId('me').waitFor();
    expect(await page.getByTestId('me').textContent()).toBe('甲销售 · 销售');

    // The numbers on screen are the API's (which are /漏斗's).
    const api = (await page.evaluate(async () => (await fetch('/app/api/funnel?period=last90')).json())) as { pipeline: Array<{ stage: string; count: number }> };
    for (const r of api.pipeline) {
      expect(await page.getByTestId(`count-${r.stage}`).textContent(), r.stage).toBe(String(r.count));
    }
    expect(await page.getByTestId('count-lead').textContent()).toBe('2');
    expect(await page.getByTestId('amount-lead').textContent()).toBe('¥50,000');

    // The funnel chart drew on its canvas: some pixels are not background.
    // (Runs in the page; typed loosely because the test program has no DOM types.)
    const painted = await page.evaluate(() => {
      const c = (globalThis as any).document.querySelector('#funnel-chart canvas');
      if (!c) return -1;
      const d: Uint8ClampedArray = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 3; i < d.length; i += 4) if (d[i]! > 0) n++;
      return n / (c.width * c.height);
    });
    expect(painted).toBeGreaterThan(0.02);
    const shot = await page.screenshot({ path: join(ARTIFACTS, 'dashboard-home.png'), fullPage: true });
    expect(shot.length).toBeGreaterThan(10_000);

    // Another rep's deal by URL: the page says it is not there, and shows nothing of it.
    await page.goto(`${base}/app#/deal/${theirs}`);
    await page.getByTestId('notice').waitFor();
    expect(await page.getByTestId('notice').textContent()).toContain(`没有找到你能查看的商机 ${theirs}`);
    expect(await page.content()).not.toContain('台州泵业');
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-deal-refused.png') });
    await context.close();

    // Without a session the page only says how to sign in.
    const anonymous = await browser.newPage({ viewport: PHONE });
    await anonymous.goto(`${base}/app`);
    await anonymous.getByTestId('notice').waitFor();
    expect(await anonymous.getByTestId('notice').textContent()).toContain('请在聊天里发送 /看板');
    await anonymous.close();
  });
});
