import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RawRequest } from '../../../src/adapter.js';
import { queryRows } from '../../../src/db/rows.js';
import { startFaultApp, type FaultApp } from '../../faults/harness.js';
import { startFakeDingtalk, type FakeDingtalk } from '../../fakes/dingtalk-api.js';
import { testDriver, useTestDb } from '../../helpers/db.js';
import { TEST_DINGTALK, robotMessage, signedRobotCallback, staffId } from './sign.js';

const count = async (db: Parameters<typeof queryRows>[0], table: string) =>
  Number((await queryRows<{ n: number }>(db, sql.raw(`select count(*)::int as n from ${table}`)))[0]!.n);

describe(`DingTalk end to end over HTTP: callback → rows → OpenAPI (${testDriver()})`, () => {
  const t = useTestDb();
  let fake: FakeDingtalk;
  let app: FaultApp;

  const post = (req: RawRequest) => app.inject({ method: 'POST', url: '/bots/dingtalk/callback', headers: req.headers as Record<string, string>, payload: req.body });
  const say = async (user: string, text: string, o: { group?: string } = {}) => {
    const res = await post(signedRobotCallback(robotMessage(user, text, o)));
    expect(res.statusCode).toBe(200);
    await app.settle();
  };
  const sentTo = (user: string) => fake.sends().filter((r) => r.body.userIds?.[0] === staffId(user));
  const lastTo = (user: string) => {
    const s = sentTo(user).at(-1);
    const p = s ? JSON.parse(s.body.msgParam) : {};
    return String(p.content ?? p.text ?? '');
  };

  beforeAll(async () => {
    fake = await startFakeDingtalk({ appKey: TEST_DINGTALK.clientId, appSecret: TEST_DINGTALK.clientSecret, robotCode: TEST_DINGTALK.robotCode });
    app = await startFaultApp(t(), { dingtalk: fake.baseUrl });
  });
  afterAll(async () => {
    await app?.close();
    await fake?.close();
  });

  it('runs customer → deal → follow-ups → quote → approval from ActionCard buttons', async () => {
    await say('admin1', '/帮助'); // the first person becomes the admin
    for (const u of ['李四', '王五', '赵六', '张三']) await say(u, '/help');
    await say('admin1', '/设置 角色 李四 财务');
    await say('admin1', '/设置 角色 王五 技术');
    await say('admin1', '/设置 角色 赵六 总监');
    expect(lastTo('admin1')).toContain('角色设为「销售总监」');

    await say('张三', '/新客户 宁波永固阀门有限公司 13812345678 宁波 阀门');
    expect(lastTo('张三')).toMatch(/已创建客户 C-\d+/);
    await say('张三', '/新商机 永固阀门 DN50 球阀 6万');
    const dealId = /D-\d+/.exec(lastTo('张三'))![0];
    await say('张三', `/跟进 ${dealId} 电话沟通了规格`);
    await say('张三', `/log ${dealId} 上门拜访 下一步:出方案 下次:明天`);
    await say('张三', `/推进 ${dealId} 方案`);
    expect(lastTo('张三')).toContain('线索 → 方案');
    await say('张三', `/报价 ${dealId} 6万 8% 年度框架`);
    expect(lastTo('张三')).toMatch(/已提交报价审批 A-\d+/);

    // Each approver got an ActionCard whose 批准 button makes them send `/批准 A-n` to the robot.
    const commandOf = (u: string) => {
      const card = sentTo(u).find((s) => /^sampleActionCard/.test(s.body.msgKey))!;
      expect(card.body.msgKey).toBe('sampleActionCard2');
      const p = JSON.parse(card.body.msgParam);
      expect(p.actionTitle1).toBe('批准');
      const url = new URL(p.actionURL1);
      expect(url.protocol).toBe('dtmd:');
      return url.searchParams.get('content')!;
    };
    const cmd = commandOf('李四');
    expect(cmd).toMatch(/^\/批准 A-\d+$/);
    // A stranger tapping a forwarded button changes nothing.
    await say('张三', cmd);
    expect(await queryRows(t().db, sql`select count(*)::int as n from approval_steps where status <> 'pending'`)).toEqual([{ n: 0 }]);
    for (const u of ['李四', '王五', '赵六']) await say(u, commandOf(u));

    const [quote] = await queryRows<{ status: string }>(t().db, sql`select status from quotes`);
    expect(quote!.status).toBe('approved');
    expect(sentTo('张三').some((s) => JSON.parse(s.body.msgParam).content?.includes('已通过'))).toBe(true);
    await say('张三', `/推进 ${dealId} 签约`);
    expect(lastTo('张三')).toContain('签约');
  });

  it('strips the @robot prefix in groups and answers in the group', async () => {
    await say('张三', '@ChatCRM /我的待办', { group: 'cid_group_sales' });
    const last = fake.sends().at(-1)!;
    expect(last.path).toBe('/v1.0/robot/groupMessages/send');
    expect(last.body.openConversationId).toBe('cid_group_sales');
  });

  it('binds the group to a team with /设置 战报 本群 (managers only) and turns it off with /设置 战报 关', async () => {
    await say('钉钉组员', '/帮助');
    await say('钉钉组员', '@ChatCRM /设置 战报 本群 钉钉华南组', { group: 'cid_group_south' });
    expect(JSON.parse(fake.sends().at(-1)!.body.msgParam).content).toContain('只有销售经理、销售总监或管理员可以设置群战报');
    expect(await count(t().db, 'team_chats')).toBe(0);
    await say('钉钉经理', '/帮助');
    await t().db.execute(sql`update users u set role = 'manager' from user_identities ui where ui.user_id = u.id and ui.platform_user_id = ${staffId('钉钉经理')}`);
    await say('钉钉经理', '@ChatCRM /设置 战报 本群 钉钉华南组', { group: 'cid_group_south' });
    const reply = fake.sends().at(-1)!;
    expect(reply.body.openConversationId).toBe('cid_group_south');
    expect(JSON.parse(reply.body.msgParam).content).toContain('已开启本群战报：「钉钉华南组」团队（新建）');
    const rows = await queryRows<{ platform: string; chat_id: string; name: string }>(t().db, sql`select c.platform, c.chat_id, t.name from team_chats c join teams t on t.id = c.team_id`);
    expect(rows).toEqual([{ platform: 'dingtalk', chat_id: 'cid_group_south', name: '钉钉华南组' }]);
    await say('钉钉经理', '@ChatCRM /设置 战报 关', { group: 'cid_group_south' });
    expect(JSON.parse(fake.sends().at(-1)!.body.msgParam).content).toContain('已关闭本群战报');
    expect(await count(t().db, 'team_chats')).toBe(0);
  });

  it('changes nothing when the same msgId arrives twice, and ignores external contacts', async () => {
    const before = await count(t().db, 'customers');
    const body = robotMessage('张三', '/新客户 重复投递测试厂 13900000000', { msgId: 'msgDup1' });
    expect((await post(signedRobotCallback(body))).statusCode).toBe(200);
    expect((await post(signedRobotCallback(body))).statusCode).toBe(200);
    await app.settle();
    expect(await count(t().db, 'customers')).toBe(before + 1);
    const events = await count(t().db, 'inbound_events');
    expect((await post(signedRobotCallback(robotMessage('外部客户', '/新客户 外部厂', { external: true })))).statusCode).toBe(200);
    await app.settle();
    expect(await count(t().db, 'inbound_events')).toBe(events);
  });
});
