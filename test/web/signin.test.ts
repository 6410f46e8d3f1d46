// Signing in to the dashboard with each chat app's own login, through the production app and the platforms' fake
// APIs: the authorize redirect carries a state bound to this browser, the fake sends the browser back with a code,
// the code becomes the member, and the member our user — or a polite page and no session at all.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/rows.js';
import { users } from '../../src/db/schema/index.js';
import { eq } from 'drizzle-orm';
import { dashboardEntryPath } from '../../src/server/dashboard/kit.js';
import { resolveTenant } from '../../src/services/tenants.js';
import { resolveUser } from '../../src/services/users.js';
import { CORP_ID, staffId, TEST_DINGTALK } from '../bots/dingtalk/sign.js';
import { openId, TENANT_KEY, TEST_FEISHU } from '../bots/feishu/sign.js';
import { TEST_WECOM } from '../bots/wecom/sign.js';
import { startFakeDingtalk, type FakeDingtalk } from '../fakes/dingtalk-api.js';
import { startFakeFeishu, type FakeFeishu } from '../fakes/feishu-api.js';
import { startFakeWecom, type FakeWecom } from '../fakes/wecom-api.js';
import { testDriver, useTestDb } from '../helpers/db.js';
import { dingtalkEnv, feishuEnv, startTestServer, wecomEnv, type TestServer } from '../helpers/server.js';

const PUBLIC = 'https://crm.example.test';
type P = 'wecom' | 'feishu' | 'dingtalk';
const cookieOf = (h: string | string[] | undefined, name: string) => {
  const line = (Array.isArray(h) ? h : h ? [h] : []).find((c) => c.startsWith(`${name}=`));
  return line ? { pair: line.split(';')[0]!, line } : undefined;
};

describe(`dashboard sign-in with each chat app's login (${testDriver()})`, () => {
  const t = useTestDb();
  let wecom: FakeWecom;
  let feishu: FakeFeishu;
  let dingtalk: FakeDingtalk;
  let app: TestServer;
  let now = new Date('2026-12-03T02:00:00Z');

  /** Each platform's ids for a person, and how to make its fake sign someone in, fail or hang. */
  const ids: Record<P, (name: string) => string> = { wecom: (n) => `wx${Buffer.from(n).toString('hex').slice(0, 12)}`, feishu: openId, dingtalk: staffId };
  const tenantKeys: Record<P, string> = { wecom: TEST_WECOM.corpId, feishu: TENANT_KEY, dingtalk: CORP_ID };
  const signInAs = (p: P, name: string | undefined, o: { outsider?: boolean } = {}) => {
    if (p === 'wecom') return wecom.signInAs(name === undefined ? undefined : o.outsider ? { openid: `o${ids.wecom(name)}` } : { userid: ids.wecom(name) });
    if (p === 'feishu') return feishu.signInAs(name === undefined ? undefined : { openId: ids.feishu(name), tenantKey: o.outsider ? 'another-tenant' : TENANT_KEY });
    return dingtalk.signInAs(name === undefined ? undefined : { userid: ids.dingtalk(name), corpId: CORP_ID, ...(o.outsider ? { external: true } : {}) });
  };
  const failNext = (p: P, how: 'error' | 'hang') =>
    p === 'wecom' ? wecom.failSignInNext(how === 'hang' ? 'hang' : 'http_500') : p === 'feishu' ? feishu.failSignInNext(how === 'hang' ? 'hang' : 'http_500_code') : dingtalk.failSignInNext(how === 'hang' ? 'hang' : 'http_500');
  const exchanges = (p: P) => (p === 'wecom' ? wecom : p === 'feishu' ? feishu : dingtalk).signInExchanges().length;
  const sessions = async () => Number((await queryRows<{ n: number }>(t().db, sql`select count(*)::int as n from web_sessions where kind = 'session'`))[0]!.n);

  /** Opens /app/auth/<p>: the redirect to the platform and this browser's state cookie. */
  async function start(p: P) {
    const res = await app.server.inject({ url: `/app/auth/${p}` });
    expect(res.statusCode).toBe(302);
    const state = cookieOf(res.headers['set-cookie'], 'crm_signin')!;
    return { authorize: new URL(String(res.headers.location)), state };
  }
  /** The platform's page (a real HTTP request to the fake): where it sends the browser back to. */
  async function platformPage(authorize: URL) {
    const res = await fetch(authorize, { redirect: 'manual' });
    expect(res.status).toBe(302);
    return new URL(res.headers.get('location')!);
  }
  const callback = (back: URL, cookie?: string) => app.server.inject({ url: `${back.pathname}${back.search}`, ...(cookie ? { headers: { cookie } } : {}) });
  async function signIn(p: P) {
    const { authorize, state } = await start(p);
    const back = await platformPage(authorize);
    return { res: await callback(back, state.pair), back, state };
  }

  beforeAll(async () => {
    wecom = await startFakeWecom({ corpId: TEST_WECOM.corpId, secret: TEST_WECOM.secret, agentId: TEST_WECOM.agentId });
    feishu = await startFakeFeishu({ appId: TEST_FEISHU.appId, appSecret: TEST_FEISHU.appSecret });
    dingtalk = await startFakeDingtalk({ appKey: TEST_DINGTALK.clientId, appSecret: TEST_DINGTALK.clientSecret, robotCode: TEST_DINGTALK.robotCode });
    app = await startTestServer(
      t(),
      {
        ...wecomEnv(wecom.baseUrl),
        WECOM_OAUTH_BASE: wecom.baseUrl,
        ...feishuEnv(feishu.baseUrl),
        FEISHU_ACCOUNTS_BASE: feishu.baseUrl,
        ...dingtalkEnv(dingtalk.baseUrl),
        DINGTALK_LOGIN_BASE: dingtalk.baseUrl,
        CHATCRM_PUBLIC_URL: PUBLIC,
        // Long enough for a loaded CI machine, short enough that the hanging platform below costs little.
        CHATCRM_PLATFORM_TIMEOUT_MS: '3000',
      },
      { now: () => now },
    );
    // The people the chats have seen (what dispatch records for a first message): one active, one deactivated.
    for (const p of ['wecom', 'feishu', 'dingtalk'] as const) {
      const tenant = await resolveTenant(t().db, p, tenantKeys[p], { name: '测试阀门厂', timeZone: 'Asia/Shanghai' });
      await resolveUser(t().db, { tenantId: tenant.id, platform: p, platformUserId: ids[p]('郑销售'), displayName: `郑销售${p}` });
      const gone = await resolveUser(t().db, { tenantId: tenant.id, platform: p, platformUserId: ids[p]('离职员工'), displayName: `离职员工${p}` });
      await t().db.update(users).set({ active: false }).where(eq(users.id, gone.id));
    }
  });
  afterAll(async () => {
    await app?.close();
    await Promise.all([wecom?.close(), feishu?.close(), dingtalk?.close()]);
  });

  it('links each platform to its sign-in, and everything else to /app', () => {
    expect(dashboardEntryPath('wecom')).toBe('/app/auth/wecom');
    expect(dashboardEntryPath('feishu')).toBe('/app/auth/feishu');
    expect(dashboardEntryPath('dingtalk')).toBe('/app/auth/dingtalk');
    expect(dashboardEntryPath('console')).toBe('/app');
  });

  it("sends each platform's authorize page our callback and a state bound to this browser", async () => {
    const w = await start('wecom');
    expect(`${w.authorize.origin}${w.authorize.pathname}`).toBe(`${wecom.baseUrl}/connect/oauth2/authorize`);
    expect(Object.fromEntries(w.authorize.searchParams)).toMatchObject({ appid: TEST_WECOM.corpId, agentid: String(TEST_WECOM.agentId), scope: 'snsapi_base', response_type: 'code', redirect_uri: `${PUBLIC}/app/auth/wecom/callback` });
    expect(w.authorize.hash).toBe('#wechat_redirect');
    const f = await start('feishu');
    expect(`${f.authorize.origin}${f.authorize.pathname}`).toBe(`${feishu.baseUrl}/open-apis/authen/v1/authorize`);
    expect(Object.fromEntries(f.authorize.searchParams)).toMatchObject({ client_id: TEST_FEISHU.appId, redirect_uri: `${PUBLIC}/app/auth/feishu/callback` });
    const d = await start('dingtalk');
    expect(`${d.authorize.origin}${d.authorize.pathname}`).toBe(`${dingtalk.baseUrl}/oauth2/auth`);
    expect(Object.fromEntries(d.authorize.searchParams)).toMatchObject({ client_id: TEST_DINGTALK.clientId, scope: 'openid corpid', prompt: 'consent', response_type: 'code', redirect_uri: `${PUBLIC}/app/auth/dingtalk/callback` });
    for (const [p, s] of [['wecom', w], ['feishu', f], ['dingtalk', d]] as const) {
      // The cookie holds the platform and the very state the platform will hand back; it must survive the
      // platform's cross-site redirect back (Lax), is not readable by script, and only goes to /app/auth.
      expect(s.state.pair).toBe(`crm_signin=${p}.${s.authorize.searchParams.get('state')}`);
      expect(s.state.line).toMatch(/HttpOnly/);
      expect(s.state.line).toMatch(/SameSite=Lax/);
      expect(s.state.line).toMatch(/Secure/);
      expect(s.state.line).toMatch(/Path=\/app\/auth/);
      expect(s.state.line).toMatch(/Max-Age=600/);
    }
    expect(new Set([w, f, d].map((s) => s.authorize.searchParams.get('state'))).size).toBe(3);
    const none = await app.server.inject({ url: '/app/auth/console' });
    expect(none.statusCode).toBe(404);
    expect(none.body).toContain('请在聊天里发送 /看板');
  });

  for (const p of ['wecom', 'feishu', 'dingtalk'] as const) {
    describe(p, () => {
      it('signs a member in: the callback starts the same session as a link and moves on to /app on our own page', async () => {
        signInAs(p, '郑销售');
        const before = await sessions();
        const { res } = await signIn(p);
        expect(res.statusCode).toBe(200);
        expect(res.body).toContain('<meta http-equiv="refresh" content="0;url=/app">');
        expect(res.body).toContain(`郑销售${p}，正在打开看板`);
        expect(res.headers['content-security-policy']).toContain("default-src 'none'");
        expect(res.headers['referrer-policy']).toBe('no-referrer');
        const session = cookieOf(res.headers['set-cookie'], 'crm_session')!;
        expect(session.line).toMatch(/HttpOnly/);
        expect(session.line).toMatch(/SameSite=Strict/);
        expect(session.line).toMatch(/Secure/);
        expect(session.line).toMatch(/Path=\/app(;|$)/);
        // The state is spent.
        expect(cookieOf(res.headers['set-cookie'], 'crm_signin')!.line).toMatch(/crm_signin=;/);
        expect(await sessions()).toBe(before + 1);
        const me = await app.server.inject({ url: '/app/api/me', headers: { cookie: session.pair } });
        expect(me.json()).toMatchObject({ name: `郑销售${p}`, role: 'rep' });
        // Opening the entry again with the session: straight to the dashboard, no new trip to the platform.
        const again = await app.server.inject({ url: `/app/auth/${p}`, headers: { cookie: session.pair } });
        expect(again.statusCode).toBe(303);
        expect(again.headers.location).toBe('/app');
      });

      it('refuses a callback without this browser’s state, with another state, or after 10 minutes — before asking the platform', async () => {
        signInAs(p, '郑销售');
        const before = await sessions();
        const asked = exchanges(p);
        const { authorize, state } = await start(p);
        const back = await platformPage(authorize);
        const refusals = [
          await callback(back),
          await callback(back, `crm_signin=${p}.${(await start(p)).authorize.searchParams.get('state')}`),
          await callback(back, state.pair.replace(`crm_signin=${p}.`, `crm_signin=${p === 'wecom' ? 'feishu' : 'wecom'}.`)),
          await callback(new URL(back.toString().replace(/state=[^&]+/, 'state=x')), state.pair),
        ];
        const late = await start(p);
        const lateBack = await platformPage(late.authorize);
        now = new Date(now.getTime() + 11 * 60_000);
        refusals.push(await callback(lateBack, late.state.pair));
        for (const r of refusals) {
          expect(r.statusCode).toBe(400);
          expect(r.body).toContain('这次登录已过期，或不是从这个浏览器开始的');
          expect(cookieOf(r.headers['set-cookie'], 'crm_session')).toBeUndefined();
        }
        // The user declined on the platform's page: our state comes back with an error instead of a code.
        const declined = await start(p);
        const denied = new URL(`${PUBLIC}/app/auth/${p}/callback?error=access_denied&state=${declined.authorize.searchParams.get('state')}`);
        const refused = await callback(denied, declined.state.pair);
        expect(refused.statusCode).toBe(400);
        expect(refused.body).toContain('没有给出登录授权');
        expect(exchanges(p)).toBe(asked);
        expect(await sessions()).toBe(before);
      });

      it('refuses a used code: the platform will not exchange it twice', async () => {
        signInAs(p, '郑销售');
        const { res, back, state } = await signIn(p);
        expect(res.statusCode).toBe(200);
        const before = await sessions();
        // Even replayed with the (spent) state cookie, the code itself is dead.
        const replay = await callback(back, state.pair);
        expect(replay.statusCode).toBe(502);
        expect(replay.body).toContain('登录码已用过或已过期');
        expect(cookieOf(replay.headers['set-cookie'], 'crm_session')).toBeUndefined();
        expect(await sessions()).toBe(before);
      });

      it('refuses people the chat has not seen, deactivated users and non-members, politely and without a session', async () => {
        const before = await sessions();
        signInAs(p, '陌生人');
        const unknown = (await signIn(p)).res;
        expect(unknown.statusCode).toBe(403);
        expect(unknown.body).toContain('给 ChatCRM 机器人发一条消息（例如 /帮助）');
        signInAs(p, '离职员工');
        const inactive = (await signIn(p)).res;
        expect(inactive.statusCode).toBe(403);
        expect(inactive.body).toContain('你的账号已停用');
        signInAs(p, '郑销售', { outsider: true });
        const outsider = (await signIn(p)).res;
        expect(outsider.statusCode).toBe(403);
        // Feishu vouches for the person but in another tenant: for us, someone we have not seen.
        expect(outsider.body).toContain(p === 'feishu' ? '还没有你的账号' : '不是本企业的成员');
        for (const r of [unknown, inactive, outsider]) expect(cookieOf(r.headers['set-cookie'], 'crm_session')).toBeUndefined();
        expect(await sessions()).toBe(before);
      });

      it('answers a platform error or a platform that does not answer in time with a polite page', async () => {
        signInAs(p, '郑销售');
        const before = await sessions();
        const codes: string[] = [];
        for (const how of ['error', 'hang'] as const) {
          failNext(p, how);
          const { res, back } = await signIn(p);
          codes.push(back.searchParams.get('code') ?? back.searchParams.get('authCode') ?? '');
          expect(res.statusCode, how).toBe(502);
          expect(res.body).toContain('请稍后回到');
          expect(res.body).not.toMatch(/Error|at \//);
          expect(cookieOf(res.headers['set-cookie'], 'crm_session')).toBeUndefined();
        }
        expect(await sessions()).toBe(before);
        // The operator can see why (one warning each, the platform's code, never the code or a token).
        const warned = app.logs.filter((l) => l.msg === 'dashboard sign-in: the platform did not confirm the code' && l.platform === p);
        expect(warned.length).toBeGreaterThanOrEqual(2);
        expect(warned.map((l) => l.code)).toContain('NETWORK');
        for (const c of codes) {
          expect(c.length).toBeGreaterThan(10);
          expect(JSON.stringify(app.logs)).not.toContain(c);
        }
        // And the next try works.
        expect((await signIn(p)).res.statusCode).toBe(200);
      });
    });
  }
});
