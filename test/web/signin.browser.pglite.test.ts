// Signing in from each chat app's workbench entry in a real browser (Chromium at phone size, playwright-core):
// /app/auth/<platform> → the platform's authorize page (the fake, on another site) → our callback → /app showing
// the right user. The fakes' authorize pages and our app sit on different sites (host names mapped to 127.0.0.1),
// so the flow meets the real SameSite rules: the Lax state cookie must survive the cross-site return, and the
// Strict session cookie is only sent once our own page moves on to /app. Screenshots go to test/artifacts/.
import { createServer } from 'node:net';
import { join } from 'node:path';
import { type Browser } from 'playwright-core';
import { ARTIFACTS, launchChromium, PHONE } from '../helpers/browser.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveTenant } from '../../src/services/tenants.js';
import { resolveUser } from '../../src/services/users.js';
import { CORP_ID, staffId, TEST_DINGTALK } from '../bots/dingtalk/sign.js';
import { openId, TENANT_KEY, TEST_FEISHU } from '../bots/feishu/sign.js';
import { TEST_WECOM } from '../bots/wecom/sign.js';
import { startFakeDingtalk, type FakeDingtalk } from '../fakes/dingtalk-api.js';
import { startFakeFeishu, type FakeFeishu } from '../fakes/feishu-api.js';
import { startFakeWecom, type FakeWecom } from '../fakes/wecom-api.js';
import { useTestDb } from '../helpers/db.js';
import { dingtalkEnv, feishuEnv, startTestServer, wecomEnv, type TestServer } from '../helpers/server.js';

/** Our app and the platforms' login pages on different sites (registrable domains), like crm.example.com and open.weixin.qq.com. */
const APP_HOST = 'crm.factory.test';
const PLATFORM_HOST = 'login.platform.test';

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
const onPlatformHost = (baseUrl: string) => baseUrl.replace('127.0.0.1', PLATFORM_HOST);

describe('signing in from each chat app in Chromium at phone size', () => {
  const t = useTestDb();
  let browser: Browser;
  let wecom: FakeWecom;
  let feishu: FakeFeishu;
  let dingtalk: FakeDingtalk;
  let app: TestServer;
  let base: string;

  beforeAll(async () => {
    wecom = await startFakeWecom({ corpId: TEST_WECOM.corpId, secret: TEST_WECOM.secret, agentId: TEST_WECOM.agentId });
    feishu = await startFakeFeishu({ appId: TEST_FEISHU.appId, appSecret: TEST_FEISHU.appSecret });
    dingtalk = await startFakeDingtalk({ appKey: TEST_DINGTALK.clientId, appSecret: TEST_DINGTALK.clientSecret, robotCode: TEST_DINGTALK.robotCode });
    const port = await freePort();
    base = `http://${APP_HOST}:${port}`;
    app = await startTestServer(t(), {
      ...wecomEnv(wecom.baseUrl),
      WECOM_OAUTH_BASE: onPlatformHost(wecom.baseUrl),
      ...feishuEnv(feishu.baseUrl),
      FEISHU_ACCOUNTS_BASE: onPlatformHost(feishu.baseUrl),
      ...dingtalkEnv(dingtalk.baseUrl),
      DINGTALK_LOGIN_BASE: onPlatformHost(dingtalk.baseUrl),
      CHATCRM_PUBLIC_URL: base,
    });
    await app.server.listen({ host: '127.0.0.1', port });
    const seen = { wecom: [TEST_WECOM.corpId, 'wu.qiwei', '吴企微'], feishu: [TENANT_KEY, openId('冯飞书'), '冯飞书'], dingtalk: [CORP_ID, staffId('丁钉钉'), '丁钉钉'] } as const;
    for (const [p, [key, id, name]] of Object.entries(seen) as Array<[keyof typeof seen, readonly [string, string, string]]>) {
      const tenant = await resolveTenant(t().db, p, key, { name: '测试阀门厂', timeZone: 'Asia/Shanghai' });
      await resolveUser(t().db, { tenantId: tenant.id, platform: p, platformUserId: id, displayName: name, roleIfNew: p === 'feishu' ? 'manager' : 'rep' });
    }
    wecom.signInAs({ userid: 'wu.qiwei' });
    feishu.signInAs({ openId: openId('冯飞书'), tenantKey: TENANT_KEY });
    dingtalk.signInAs({ userid: staffId('丁钉钉'), corpId: CORP_ID });
    browser = await launchChromium([`--host-resolver-rules=MAP ${APP_HOST} 127.0.0.1, MAP ${PLATFORM_HOST} 127.0.0.1`]);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await Promise.all([wecom?.close(), feishu?.close(), dingtalk?.close()]);
  });

  const cases = [
    ['wecom', '吴企微 · 销售'],
    ['feishu', '冯飞书 · 销售经理'],
    ['dingtalk', '丁钉钉 · 销售'],
  ] as const;
  for (const [platform, shown] of cases) {
    it(`${platform}: from the workbench entry through the platform's login to the dashboard, as the right user`, async () => {
      const context = await browser.newContext({ viewport: PHONE, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'zh-CN' });
      const page = await context.newPage();
      const visited: string[] = [];
      page.on('request', (r) => r.isNavigationRequest() && r.frame() === page.mainFrame() && visited.push(new URL(r.url()).host + new URL(r.url()).pathname));
      await page.goto(`${base}/app/auth/${platform}`);
      await page.waitForURL(`${base}/app`);
      // Signed in, the header names the user; without the session the page would say how to sign in instead.
      await page.getByTestId('me').or(page.getByTestId('notice')).first().waitFor({ timeout: 10_000 });
      expect(await page.getByTestId('notice').count()).toBe(0);
      expect(await page.getByTestId('me').textContent()).toBe(shown);
      // The way it went: our entry, the platform's page on its own site, our callback, then /app.
      expect(visited[0]).toBe(`${APP_HOST}:${new URL(base).port}/app/auth/${platform}`);
      expect(visited.some((v) => v.startsWith(`${PLATFORM_HOST}:`))).toBe(true);
      expect(visited.at(-1)).toBe(`${APP_HOST}:${new URL(base).port}/app`);
      const cookies = await context.cookies(`${base}/app/auth/${platform}/callback`);
      expect(cookies.find((c) => c.name === 'crm_session')).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/app' });
      // The state was spent on the way back.
      expect(cookies.find((c) => c.name === 'crm_signin')).toBeUndefined();
      await page.screenshot({ path: join(ARTIFACTS, `signin-${platform}.png`), fullPage: true });
      await context.close();
    });
  }

  it('shows a polite page, and no dashboard, to someone the chat has not seen', async () => {
    wecom.signInAs({ userid: 'stranger' });
    const context = await browser.newContext({ viewport: PHONE, deviceScaleFactor: 2, isMobile: true, locale: 'zh-CN' });
    const page = await context.newPage();
    const res = await page.goto(`${base}/app/auth/wecom`);
    expect(res?.status()).toBe(403);
    expect(await page.locator('h1').textContent()).toBe('还没有你的账号');
    expect(await page.locator('p').first().textContent()).toContain('请先在企业微信里给 ChatCRM 机器人发一条消息');
    expect((await context.cookies(`${base}/app`)).find((c) => c.name === 'crm_session')).toBeUndefined();
    await page.screenshot({ path: join(ARTIFACTS, 'signin-refused.png') });
    await context.close();
    wecom.signInAs({ userid: 'wu.qiwei' });
  });
});
