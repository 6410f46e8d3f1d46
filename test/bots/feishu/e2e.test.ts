import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RawRequest } from '../../../src/adapter.js';
import { queryRows } from '../../../src/db/rows.js';
import { startFaultApp, type FaultApp } from '../../faults/harness.js';
import { startFakeFeishu, type FakeFeishu } from '../../fakes/feishu-api.js';
import { testDriver, useTestDb } from '../../helpers/db.js';
import { TEST_FEISHU, cardActionEvent, messageEvent, openId, signedEvent } from './sign.js';
import { feishuName } from '../../fakes/feishu-api.js';

const count = async (db: Parameters<typeof queryRows>[0], table: string) =>
  Number((await queryRows<{ n: number }>(db, sql.raw(`select count(*)::int as n from ${table}`)))[0]!.n);

describe(`Feishu end to end: event → rows → outbound API (${testDriver()})`, () => {
  const t = useTestDb();
  let fake: FakeFeishu;
  let app: FaultApp;

  const post = (req: RawRequest) =>
    app.inject({ method: 'POST', url: '/bots/feishu/events', headers: req.headers as Record<string, string>, payload: req.body });
  const say = async (user: string, text: string) => {
    const res = await post(signedEvent(messageEvent(user, text)));
    expect(res.statusCode).toBe(200);
    await app.settle();
  };
  const lastTo = (user: string) => {
    const m = [...fake.messages.values()].filter((x) => x.receiveId === openId(user)).at(-1);
    return m?.content?.text ?? JSON.stringify(m?.content ?? {});
  };

  beforeAll(async () => {
    fake = await startFakeFeishu({ appId: TEST_FEISHU.appId, appSecret: TEST_FEISHU.appSecret });
    app = await startFaultApp(t(), { feishu: fake.baseUrl });
  });
  afterAll(async () => {
    await app?.close();
    await fake?.close();
  });

  it('answers the encrypted URL-verification challenge', async () => {
    const res = await post(signedEvent({ challenge: 'ch-42', token: TEST_FEISHU.verificationToken, type: 'url_verification' }, { unsigned: true }));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ challenge: 'ch-42' });
  });

  it('runs customer → deal → follow-ups → quote → approval from cards, with every card copy patched', async () => {
    await say('admin1', '/帮助'); // the first person becomes the admin
    for (const u of ['lisi', 'wangwu', 'zhaoliu', 'zhangsan']) await say(u, '/help');
    await say('admin1', `/设置 角色 ${feishuName(openId('lisi'))} 财务`);
    await say('admin1', `/设置 角色 ${feishuName(openId('wangwu'))} 技术`);
    await say('admin1', `/设置 角色 ${feishuName(openId('zhaoliu'))} 总监`);
    expect(lastTo('admin1')).toContain('角色设为「销售总监」');

    await say('zhangsan', '/新客户 宁波永固阀门有限公司 13812345678 宁波 阀门');
    expect(lastTo('zhangsan')).toMatch(/已创建客户 C-\d+/);
    await say('zhangsan', '/新商机 永固阀门 DN50 球阀 6万');
    const dealId = /D-\d+/.exec(lastTo('zhangsan'))![0];
    await say('zhangsan', `/跟进 ${dealId} 电话沟通了规格`);
    await say('zhangsan', `/log ${dealId} 上门拜访 下一步:出方案 下次:明天`);
    await say('zhangsan', `/推进 ${dealId} 方案`);
    expect(lastTo('zhangsan')).toContain('线索 → 方案');
    await say('zhangsan', `/报价 ${dealId} 6万 8% 年度框架`);
    expect(lastTo('zhangsan')).toMatch(/已提交报价审批 A-\d+/);

    // Every approver got an interactive schema-2.0 card with callback buttons.
    const cards: Record<string, { id: string; card: any }> = Object.fromEntries(
      ['lisi', 'wangwu', 'zhaoliu'].map((u) => {
        const [id, m] = [...fake.messages.entries()].find(([, x]) => x.receiveId === openId(u) && x.msgType === 'interactive' && /报价审批/.test(x.content.header.title.content))!;
        return [u, { id, card: m.content }];
      }),
    );
    for (const { card } of Object.values(cards)) {
      expect(card.header.title.content).toMatch(/报价审批 A-\d+/);
      expect(card.config.update_multi).toBe(true);
    }
    const approveValue = (u: string) => cards[u]!.card.body.elements.find((e: any) => e.tag === 'column_set').columns[0].elements[0].behaviors[0].value;

    // A stranger clicking lisi's button changes nothing.
    const stranger = await post(signedEvent(cardActionEvent('zhangsan', approveValue('lisi'), cards.lisi!.id)));
    expect(stranger.statusCode).toBe(200);
    expect(stranger.json().toast.type).toBe('error');
    expect(await queryRows(t().db, sql`select count(*)::int as n from approval_steps where status <> 'pending'`)).toEqual([{ n: 0 }]);

    const lisiClick = signedEvent(cardActionEvent('lisi', approveValue('lisi'), cards.lisi!.id));
    const first = await post(lisiClick);
    expect(first.statusCode).toBe(200);
    const answer = first.json();
    expect(answer.toast.type).toBe('success');
    expect(answer.card.type).toBe('raw');
    expect(answer.card.data.schema).toBe('2.0');
    const again = await post(lisiClick); // Feishu re-pushes the same event
    expect(again.statusCode).toBe(200);
    expect(await queryRows(t().db, sql`select count(*)::int as n from approval_steps where status = 'approved'`)).toEqual([{ n: 1 }]);
    await post(signedEvent(cardActionEvent('wangwu', approveValue('wangwu'), cards.wangwu!.id)));
    await post(signedEvent(cardActionEvent('zhaoliu', approveValue('zhaoliu'), cards.zhaoliu!.id)));
    await app.settle();

    for (const { id } of Object.values(cards)) {
      const patches = fake.messages.get(id)!.patches;
      expect(patches.length).toBeGreaterThan(0);
      const final = patches.at(-1);
      expect(final.header.template).toBe('green');
      expect(JSON.stringify(final)).not.toContain('"behaviors"'); // no buttons left
    }
    const toRep = [...fake.messages.values()].filter((x) => x.receiveId === openId('zhangsan')).map((x) => JSON.stringify(x.content));
    expect(toRep.some((m) => m.includes('已通过'))).toBe(true);
    const [quote] = await queryRows<{ status: string }>(t().db, sql`select status from quotes`);
    expect(quote!.status).toBe('approved');
  });

  it('strips the bot mention in groups and answers in the group chat', async () => {
    const ev = messageEvent('zhangsan', '@_user_1 /我的待办', { chatType: 'group', chatId: 'oc_group_sales', mentions: [{ key: '@_user_1', name: 'ChatCRM', id: { open_id: 'ou_bot' } }] });
    expect((await post(signedEvent(ev))).statusCode).toBe(200);
    await app.settle();
    const inGroup = [...fake.messages.values()].filter((m) => m.receiveId === 'oc_group_sales');
    expect(inGroup.length).toBe(1);
    expect(fake.creates().at(-1)!.query.receive_id_type).toBe('chat_id');
  });

  it('binds the group to a team with /设置 战报 本群 (managers only); a re-pushed event binds nothing twice', async () => {
    const mention = [{ key: '@_user_1', name: 'ChatCRM', id: { open_id: 'ou_bot' } }];
    const inGroup = (text: string, user: string, eventId: string) =>
      post(signedEvent(messageEvent(user, `@_user_1 ${text}`, { chatType: 'group', chatId: 'oc_group_east', mentions: mention, eventId })));
    const groupText = () => {
      const m = [...fake.messages.values()].filter((x) => x.receiveId === 'oc_group_east').at(-1);
      return m?.content?.text ?? JSON.stringify(m?.content ?? {});
    };
    await inGroup('/设置 战报 本群 飞书华东组', 'zhangsan', 'ev-digest-rep');
    await app.settle();
    expect(groupText()).toContain('只有销售经理、销售总监或管理员可以设置群战报');
    await say('fs_manager', '/帮助');
    await t().db.execute(sql`update users u set role = 'manager' from user_identities ui where ui.user_id = u.id and ui.platform_user_id = ${openId('fs_manager')}`);
    for (let i = 0; i < 2; i++) expect((await inGroup('/设置 战报 本群 飞书华东组', 'fs_manager', 'ev-digest-on')).statusCode).toBe(200);
    await app.settle();
    expect(groupText()).toContain('已开启本群战报：「飞书华东组」团队（新建）');
    expect([...fake.messages.values()].filter((x) => x.receiveId === 'oc_group_east' && /已开启本群战报/.test(x.content?.text ?? ''))).toHaveLength(1);
    const rows = await queryRows<{ platform: string; chat_id: string }>(t().db, sql`select platform, chat_id from team_chats`);
    expect(rows).toEqual([{ platform: 'feishu', chat_id: 'oc_group_east' }]);
    await inGroup('/设置 战报 关', 'fs_manager', 'ev-digest-off');
    await app.settle();
    expect(groupText()).toContain('已关闭本群战报');
    expect(await count(t().db, 'team_chats')).toBe(0);
  });

  it('changes nothing when the same event is pushed twice', async () => {
    const before = await count(t().db, 'customers');
    const req = signedEvent(messageEvent('zhangsan', '/新客户 重复投递测试厂 13900000000', { eventId: 'ev-dup-1' }));
    expect((await post(req)).statusCode).toBe(200);
    // A re-push is re-encrypted and re-signed by Feishu, but keeps the event id.
    expect((await post(signedEvent(messageEvent('zhangsan', '/新客户 重复投递测试厂 13900000000', { eventId: 'ev-dup-1' })))).statusCode).toBe(200);
    await app.settle();
    expect(await count(t().db, 'customers')).toBe(before + 1);
  });
});
