import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RawRequest } from '../../../src/adapter.js';
import { queryRows } from '../../../src/db/rows.js';
import { startFaultApp, type FaultApp } from '../../faults/harness.js';
import { startFakeWecom, type FakeWecom } from '../../fakes/wecom-api.js';
import { testDriver, useTestDb } from '../../helpers/db.js';
import { TEST_WECOM, cardClickXml, signedCallback, signedVerification, textXml } from './sign.js';

const count = async (db: Parameters<typeof queryRows>[0], table: string) =>
  Number((await queryRows<{ n: number }>(db, sql.raw(`select count(*)::int as n from ${table}`)))[0]!.n);

describe(`WeCom end to end: callback → rows → outbound API (${testDriver()})`, () => {
  const t = useTestDb();
  let fake: FakeWecom;
  let app: FaultApp;

  const post = (req: RawRequest) =>
    app.inject({ method: req.method as 'POST', url: `/bots/wecom/callback?${new URLSearchParams(req.query as Record<string, string>)}`, headers: req.headers as Record<string, string>, payload: req.body });
  const say = async (user: string, text: string) => {
    const res = await post(signedCallback(textXml(user, text)));
    expect(res.statusCode).toBe(200);
    await app.settle();
  };
  const lastTextTo = (user: string) => {
    const s = fake.sends().filter((r) => (r.body as any).touser === user).at(-1)?.body as any;
    return s?.text?.content ?? s?.markdown?.content ?? JSON.stringify(s?.template_card ?? {});
  };

  beforeAll(async () => {
    fake = await startFakeWecom({ corpId: TEST_WECOM.corpId, secret: TEST_WECOM.secret, agentId: TEST_WECOM.agentId, webhookKeys: ['robot-key-1'] });
    app = await startFaultApp(t(), { wecom: fake.baseUrl });
  });
  afterAll(async () => {
    await app?.close();
    await fake?.close();
  });

  it('answers the URL verification with the bare plaintext', async () => {
    const res = await app.inject({ method: 'GET', url: `/bots/wecom/callback?${new URLSearchParams(signedVerification('1616140317555161061').query as Record<string, string>)}` });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('1616140317555161061');
  });

  it('runs customer → deal → follow-ups → quote → approval from cards, with cards updated for everyone', async () => {
    await say('admin1', '/帮助'); // the first person becomes the admin
    for (const u of ['lisi', 'wangwu', 'zhaoliu', 'zhangsan']) await say(u, '/help');
    await say('admin1', '/设置 角色 lisi 财务');
    await say('admin1', '/设置 角色 wangwu 技术');
    await say('admin1', '/设置 角色 zhaoliu 总监');
    expect(lastTextTo('admin1')).toContain('已把 员工zhaoliu 的角色设为「销售总监」') // the name from the WeCom directory (user/get);

    await say('zhangsan', '/新客户 宁波永固阀门有限公司 13812345678 宁波 阀门');
    expect(lastTextTo('zhangsan')).toMatch(/已创建客户 C-\d+/);
    await say('zhangsan', '/新商机 永固阀门 DN50 球阀 6万');
    const dealId = /D-\d+/.exec(lastTextTo('zhangsan'))![0];
    await say('zhangsan', `/跟进 ${dealId} 电话沟通了规格`);
    await say('zhangsan', `/跟进 ${dealId} 上门拜访 下一步:出方案 下次:明天`);
    await say('zhangsan', `/推进 ${dealId} 方案`);
    expect(lastTextTo('zhangsan')).toContain('线索 → 方案');
    await say('zhangsan', `/报价 ${dealId} 6万 8% 年度框架`);
    expect(lastTextTo('zhangsan')).toMatch(/已提交报价审批 A-\d+/);

    const cards = Object.fromEntries(
      ['lisi', 'wangwu', 'zhaoliu'].map((u) => [u, fake.sends().find((r) => (r.body as any).touser === u && (r.body as any).msgtype === 'template_card')!.body as any]),
    );
    for (const c of Object.values(cards)) expect(c.template_card.main_title.title).toMatch(/报价审批 A-\d+/);

    const click = (user: string) => {
      const tc = cards[user].template_card;
      return signedCallback(cardClickXml(user, tc.button_list[0].key, tc.task_id));
    };
    // A stranger replaying lisi's card key as their own click changes nothing.
    const strangerCard = cards.lisi.template_card;
    const stranger = await post(signedCallback(cardClickXml('zhangsan', strangerCard.button_list[0].key, strangerCard.task_id)));
    expect(stranger.statusCode).toBe(200);
    expect(await queryRows<{ n: number }>(t().db, sql`select count(*)::int as n from approval_steps where status <> 'pending'`)).toEqual([{ n: 0 }]);

    const lisiClick = click('lisi');
    const first = await post(lisiClick);
    expect(first.statusCode).toBe(200);
    expect(first.body).toContain('<Encrypt>'); // passive update_button reply for the clicker
    const again = await post(lisiClick); // WeCom retries the same callback
    expect(again.statusCode).toBe(200);
    expect(await queryRows<{ n: number }>(t().db, sql`select count(*)::int as n from approval_steps where status = 'approved'`)).toEqual([{ n: 1 }]);
    await post(click('wangwu'));
    await post(click('zhaoliu'));
    await app.settle();

    const updates = fake.received.filter((r) => r.path === '/cgi-bin/message/update_template_card');
    expect(updates).toHaveLength(3);
    const codes = new Set(updates.map((u) => (u.body as any).response_code));
    expect(codes.size).toBe(3);
    for (const u of updates) expect((u.body as any).button.replace_name).toContain('已批准');
    const toRep = fake.sends().filter((r) => (r.body as any).touser === 'zhangsan').map((r) => JSON.stringify(r.body));
    expect(toRep.some((m) => m.includes('已通过'))).toBe(true);
    const [quote] = await queryRows<{ status: string }>(t().db, sql`select status from quotes`);
    expect(quote!.status).toBe('approved');
  });

  it('changes nothing when the same message callback arrives twice', async () => {
    const before = await count(t().db, 'customers');
    const req = signedCallback(textXml('zhangsan', '/新客户 重复投递测试厂 13900000000', '7700000000000000001'));
    expect((await post(req)).statusCode).toBe(200);
    expect((await post(req)).statusCode).toBe(200);
    await app.settle();
    expect(await count(t().db, 'customers')).toBe(before + 1);
  });
});
