// The dashboard's sign-in and API through the production app: /看板 links are single-use and expire, sessions are
// HttpOnly cookies, every call sees what the user sees in chat, and numbers are the chat's numbers.
import { describe, expect, it } from 'vitest';
import { createChat } from '../helpers/chat.js';
import { testDriver, useTestDb } from '../helpers/db.js';

const linkOf = (text: string) => {
  const m = /\/app\/login\?t=([A-Za-z0-9_-]+)/.exec(text);
  if (!m) throw new Error(`no dashboard link in: ${text}`);
  return `/app/login?t=${m[1]}`;
};
const cookieOf = (setCookie: string | string[] | undefined) => String(Array.isArray(setCookie) ? setCookie[0] : setCookie).split(';')[0]!;

describe(`the dashboard API (${testDriver()})`, () => {
  const t = useTestDb();

  it('signs in once with a /看板 link, within 10 minutes, into an HttpOnly session; signs out only with the CSRF token', async () => {
    let now = new Date('2026-12-03T02:00:00Z');
    const chat = createChat(t(), { now: () => now });
    const app = await chat.app();
    const asked = await chat.say('郑销售', '/看板');
    expect(asked.text).toContain('10 分钟内有效，只能打开一次');
    const link = linkOf(asked.text);
    // Asked in a group: no link where others would see it.
    expect((await chat.say('郑销售', '/看板', { group: '华东群' })).text).toBe('');
    const inGroup = (await chat.inbox('华东群')).map((e) => (e.kind === 'message' && e.message.type === 'text' ? e.message.text : '')).join('\n');
    expect(inGroup).toContain('看板链接只能私聊发给你本人');
    expect(inGroup).not.toContain('/app/login');

    const noSession = await app.server.inject({ url: '/app/api/me' });
    expect(noSession.statusCode).toBe(401);
    expect(noSession.json().message).toContain('请在聊天里发送 /看板');

    const login = await app.server.inject({ url: link });
    expect(login.statusCode).toBe(303);
    expect(login.headers.location).toBe('/app');
    const setCookie = String(login.headers['set-cookie']);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).toMatch(/Path=\/app/);
    const cookie = cookieOf(login.headers['set-cookie']);
    const me = await app.server.inject({ url: '/app/api/me', headers: { cookie } });
    expect(me.json()).toMatchObject({ name: '郑销售', role: 'rep', roleLabel: '销售' });
    const csrf = me.json().csrf as string;

    // The same link again: refused, and nothing new is signed in.
    const again = await app.server.inject({ url: link });
    expect(again.statusCode).toBe(401);
    expect(again.body).toContain('这个登录链接已经用过或已过期');
    expect(again.headers['set-cookie']).toBeUndefined();
    // A forged token, and a fresh link opened after 11 minutes: refused.
    expect((await app.server.inject({ url: '/app/login?t=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' })).statusCode).toBe(401);
    const late = linkOf((await chat.say('郑销售', '/看板')).text);
    now = new Date(now.getTime() + 11 * 60_000);
    expect((await app.server.inject({ url: late })).statusCode).toBe(401);

    // Signing out needs the CSRF token (a cross-site form cannot send it); afterwards the cookie is dead.
    expect((await app.server.inject({ method: 'POST', url: '/app/api/logout', headers: { cookie } })).statusCode).toBe(403);
    expect((await app.server.inject({ url: '/app/api/me', headers: { cookie } })).statusCode).toBe(200);
    expect((await app.server.inject({ method: 'POST', url: '/app/api/logout', headers: { cookie, 'x-csrf-token': csrf } })).statusCode).toBe(200);
    expect((await app.server.inject({ url: '/app/api/me', headers: { cookie } })).statusCode).toBe(401);
  });

  it("shows each user what chat shows them: the funnel's numbers, their due deals, and no one else's deal", async () => {
    const chat = createChat(t());
    const app = await chat.app();
    await chat.say('管理员', '/帮助', { role: 'admin' });
    await chat.say('吴经理', '/帮助', { role: 'manager' });
    for (const rep of ['甲销售', '乙销售']) {
      await chat.say(rep, '/帮助');
      await chat.say('管理员', `/设置 上级 ${rep} 吴经理`);
    }
    await chat.say('甲销售', '/新客户 温州阀门厂 13900002222');
    const mine = /D-\d+/.exec((await chat.say('甲销售', '/新商机 温州阀门 球阀 3万')).text)![0];
    await chat.say('甲销售', '/新商机 温州阀门 闸阀 2万');
    await chat.say('乙销售', '/新客户 台州泵业 13900003333');
    const theirs = /D-\d+/.exec((await chat.say('乙销售', '/新商机 台州泵业 离心泵 5万')).text)![0];

    const signIn = async (who: string) => {
      const login = await app.server.inject({ url: linkOf((await chat.say(who, '/看板')).text) });
      return cookieOf(login.headers['set-cookie']);
    };
    const rep = await signIn('甲销售');
    const manager = await signIn('吴经理');
    const leadOf = async (cookie: string) => (await app.server.inject({ url: '/app/api/funnel?period=month', headers: { cookie } })).json().pipeline.find((r: any) => r.stage === 'lead');
    expect(await leadOf(rep)).toMatchObject({ count: 2, amountFen: 5_000_000, label: '线索' });
    expect(await leadOf(manager)).toMatchObject({ count: 3, amountFen: 10_000_000 });
    // The same figures /漏斗 gives in chat.
    expect((await chat.say('甲销售', '/漏斗 本月')).text).toContain('线索：2 个 · ¥50,000.00');
    expect((await app.server.inject({ url: '/app/api/funnel?period=year', headers: { cookie: rep } })).statusCode).toBe(400);

    const own = await app.server.inject({ url: `/app/api/deals/${mine}`, headers: { cookie: rep } });
    expect(own.json()).toMatchObject({ no: mine, title: '球阀', customerName: '温州阀门厂', stageLabel: '线索', amountFen: 3_000_000 });
    const other = await app.server.inject({ url: `/app/api/deals/${theirs}`, headers: { cookie: rep } });
    expect(other.statusCode).toBe(404);
    expect(other.json().message).toContain(`没有找到你能查看的商机 ${theirs}`);
    expect((await app.server.inject({ url: `/app/api/deals/${theirs}`, headers: { cookie: manager } })).statusCode).toBe(200);
    expect((await app.server.inject({ url: '/app/api/deals/1%20or%201=1', headers: { cookie: rep } })).statusCode).toBe(400);

    const page = await app.server.inject({ url: '/app' });
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    const script = await app.server.inject({ url: '/app/assets/app.js' });
    expect(script.statusCode).toBe(200);
    expect(script.body).toContain('/app/api/funnel');
  });
});
