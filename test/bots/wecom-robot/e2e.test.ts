import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../../src/db/rows.js';
import { parseDueDate } from '../../../src/domain/dates.js';
import type { Db } from '../../../src/db/client.js';
import { startFakeRobotGateway, type FakeRobotGateway } from '../../fakes/wecom-robot-gateway.js';
import { startFakeWecom, type FakeWecom } from '../../fakes/wecom-api.js';
import { testDriver, useTestDb } from '../../helpers/db.js';
import { TEST_ROBOT, robotEnv, startTestServer, wecomEnv, type TestServer } from '../../helpers/server.js';
import { TEST_WECOM, signedCallback, textXml } from '../wecom/sign.js';

let seq = 0;

/** Waits until the inbox holds this event (the frame has been read and recorded), then until its work is done. */
async function recorded(db: Db, app: TestServer, eventKey: string) {
  const until = Date.now() + 5000;
  while ((await queryRows(db, sql`select 1 from inbound_events where platform = 'wecom' and event_key = ${eventKey}`)).length === 0) {
    if (Date.now() > until) throw new Error(`${eventKey} was never recorded`);
    await new Promise((r) => setTimeout(r, 10));
  }
  await app.settle();
}

/** /readyz once the robot's connection has its subscription receipt. */
async function openReadyz(app: TestServer): Promise<any> {
  const until = Date.now() + 5000;
  for (;;) {
    const body = (await app.server.inject({ url: '/readyz' })).json();
    if (body.transports.some((x: any) => x.transport === 'wecom-robot' && x.state === 'open') || Date.now() > until) return body;
    await new Promise((r) => setTimeout(r, 10));
  }
}

function robotChat(db: () => Db, gateway: () => FakeRobotGateway, app: () => TestServer) {
  return {
    async say(user: string, text: string, o: { msgid?: string; group?: string; voice?: boolean } = {}) {
      const msgid = o.msgid ?? `m${++seq}-${Date.now()}`;
      gateway().message({
        msgid,
        from: { userid: user },
        ...(o.group ? { chattype: 'group', chatid: o.group } : { chattype: 'single' }),
        ...(o.voice ? { msgtype: 'voice', voice: { content: text } } : { msgtype: 'text', text: { content: text } }),
      });
      await recorded(db(), app(), `bot:${msgid}`);
    },
    /** What the robot last sent to a chat (a user's single chat is their userid), as text. */
    last(chatid: string): string {
      const f = gateway().sends().filter((s) => s.body.chatid === chatid).at(-1);
      return f ? String(f.body.markdown?.content ?? JSON.stringify(f.body.template_card)) : '';
    },
    all(chatid: string): string[] {
      return gateway().sends().filter((s) => s.body.chatid === chatid).map((f) => String(f.body.markdown?.content ?? JSON.stringify(f.body.template_card)));
    },
  };
}

describe(`WeCom smart robot alone, end to end through the SDK and a local gateway (${testDriver()})`, () => {
  const t = useTestDb();
  let gateway: FakeRobotGateway;
  let app: TestServer;
  const chat = robotChat(() => t().db, () => gateway, () => app);

  beforeAll(async () => {
    gateway = await startFakeRobotGateway(TEST_ROBOT);
    app = await startTestServer(t(), robotEnv(gateway.url), { longConnection: { backoffBaseMs: 20, backoffMaxMs: 100 } });
    await gateway.connected();
  });
  afterAll(async () => {
    await app?.close();
    await gateway?.close();
  });

  it('subscribes with the bot id and secret, has no HTTP route, and runs its own outbox lane', async () => {
    expect(gateway.frames.find((f) => f.cmd === 'aibot_subscribe')!.body).toEqual({ bot_id: TEST_ROBOT.botId, secret: TEST_ROBOT.secret });
    const robot = app.adapters.find((a) => a.app === `robot:${TEST_ROBOT.botId}`)!;
    expect(robot.platform).toBe('wecom');
    expect(robot.httpRoutes).toEqual([]);
    expect(app.background.lanes).toContain(`wecom:robot:${TEST_ROBOT.botId}`);
    const ready = await openReadyz(app);
    expect(ready.status).toBe('ready');
    expect(ready.transports).toEqual(expect.arrayContaining([expect.objectContaining({ transport: 'wecom-robot', mode: 'long connection', state: 'open' })]));
  });

  it('runs commands and plain sentences, replies proactively over the connection, once per msgid', async () => {
    await chat.say('admin1', '/帮助');
    expect(chat.last('admin1')).toContain('/跟进');
    await chat.say('zhangsan', '/新客户 机器人测试泵业 13600000001', { msgid: 'dup-1' });
    await chat.say('zhangsan', '/新客户 机器人测试泵业 13600000001', { msgid: 'dup-1' }); // the same frame again
    expect(await queryRows(t().db, sql`select name from customers`)).toEqual([{ name: '机器人测试泵业' }]);
    expect(chat.last('zhangsan')).toMatch(/已创建客户 C-\d+/);
    expect(chat.all('zhangsan').filter((m) => m.includes('已创建客户'))).toHaveLength(1);
    await chat.say('zhangsan', '机器人测试泵业 今天电话沟通了交期');
    expect(await queryRows(t().db, sql`select summary as content from follow_ups`)).toEqual([{ content: expect.stringContaining('电话沟通了交期') }]);
    // The user's text is data: markdown markers come out neutralised.
    await chat.say('zhangsan', '/查看 [点我](http://evil.example)');
    expect(chat.last('zhangsan')).not.toContain('](http');
  });

  it('sends approval cards as template cards, decides on a click, answers the click with the updated card, and tells the other copies', async () => {
    for (const u of ['lisi', 'wangwu']) await chat.say(u, '/help');
    await chat.say('admin1', '/设置 角色 lisi 财务');
    await chat.say('admin1', '/设置 角色 wangwu 技术');
    await chat.say('zhangsan', '/新商机 机器人测试泵业 离心泵 6万');
    const dealId = /D-\d+/.exec(chat.last('zhangsan'))![0];
    await chat.say('zhangsan', `/跟进 ${dealId} 拜访 下一步:出方案`);
    await chat.say('zhangsan', `/推进 ${dealId} 方案`);
    await chat.say('zhangsan', `/报价 ${dealId} 6万`); // over 5万: finance and tech decide
    const cardTo = (u: string) => gateway.sends().find((s) => s.body.chatid === u && s.body.msgtype === 'template_card')!.body.template_card;
    const card = cardTo('lisi');
    expect(card.card_type).toBe('button_interaction');
    expect(card.main_title.title).toMatch(/报价审批 A-\d+/);
    expect(card.task_id).toMatch(/^crm-/);

    const click = (user: string, c: any, msgid: string) =>
      gateway.event({ msgid, chattype: 'single', from: { userid: user }, event: { eventtype: 'template_card_event', event_key: c.button_list[0].key, task_id: c.task_id } });
    // The requester's own click (the verified sender) changes nothing.
    click('zhangsan', card, 'click-self');
    await recorded(t().db, app, 'bot:click-self');
    expect(await queryRows(t().db, sql`select count(*)::int as n from approval_steps where status = 'approved'`)).toEqual([{ n: 0 }]);

    const before = gateway.updates().length;
    click('lisi', card, 'click-lisi');
    click('lisi', card, 'click-lisi'); // pushed twice
    await recorded(t().db, app, 'bot:click-lisi');
    click('wangwu', cardTo('wangwu'), 'click-wangwu');
    await recorded(t().db, app, 'bot:click-wangwu');
    await app.settle();
    expect(await queryRows(t().db, sql`select count(*)::int as n from approval_steps where status = 'approved'`)).toEqual([{ n: 2 }]);
    const updates = gateway.updates().slice(before);
    expect(updates.length).toBeGreaterThanOrEqual(2);
    const last = updates.at(-1)!;
    expect(last.body.response_type).toBe('update_template_card');
    expect(last.body.template_card.task_id).toBe(cardTo('wangwu').task_id);
    expect(JSON.stringify(last.body.template_card.button_list)).toContain('已');
    expect(chat.all('zhangsan').some((m) => m.includes('已通过'))).toBe(true);
    expect(chat.all('zhangsan').some((m) => m.includes('不能自己审批'))).toBe(true);
    // lisi's card was answered at his click, before the request closed: he is told the outcome in a line.
    expect(chat.all('lisi').some((m) => /已通过|已批准/.test(m) && !m.startsWith('{'))).toBe(true);
  });

  it('reads a voice note as a sentence, shows what it heard with 确认 / 修改 / 取消, and writes only on 确认, once', async () => {
    const followUps = async () => queryRows<{ summary: string; next_due_at: Date | null }>(t().db, sql`select summary, next_due_at from follow_ups where summary like '%八万五%' order by created_at`);
    await chat.say('zhangsan', '机器人测试泵业 报价八万五，下周二下午再联系', { voice: true, msgid: 'voice-1' });
    expect(await followUps()).toEqual([]);
    const sent = gateway.sends().filter((s) => s.body.chatid === 'zhangsan' && s.body.msgtype === 'template_card').at(-1)!.body.template_card;
    expect(sent.main_title.title).toBe('语音跟进：请确认');
    expect(sent.horizontal_content_list).toEqual(
      expect.arrayContaining([
        { keyname: '听到', value: expect.stringContaining('机器人测试泵业 报价八万五') },
        { keyname: '下次', value: expect.stringMatching(/^\d{2}-\d{2} 14:00$/) },
        { keyname: '金额', value: expect.stringContaining('¥85,000') },
      ]),
    );
    expect(sent.sub_title_text).toMatch(/^记为 .*机器人测试泵业 的跟进：机器人测试泵业 报价八万五，下周二下午再联系 下次 \d{2}-\d{2} 14:00$/);
    expect(sent.button_list.map((b: any) => b.text)).toEqual(['确认', '修改', '取消']);

    const click = (n: number, msgid: string) =>
      gateway.event({ msgid, chattype: 'single', from: { userid: 'zhangsan' }, event: { eventtype: 'template_card_event', event_key: sent.button_list[n].key, task_id: sent.task_id } });
    // Someone else's click on zhangsan's card records nothing.
    gateway.event({ msgid: 'voice-stranger', chattype: 'single', from: { userid: 'lisi' }, event: { eventtype: 'template_card_event', event_key: sent.button_list[0].key, task_id: sent.task_id } });
    await recorded(t().db, app, 'bot:voice-stranger');
    expect(await followUps()).toEqual([]);
    click(0, 'voice-ok');
    await recorded(t().db, app, 'bot:voice-ok');
    click(0, 'voice-ok-again');
    await recorded(t().db, app, 'bot:voice-ok-again');
    const rows = await followUps();
    expect(rows).toHaveLength(1);
    const due = parseDueDate('下周二下午', new Date(), 'Asia/Shanghai');
    expect(new Date(rows[0]!.next_due_at!).toISOString()).toBe(due.ok && due.date.toISOString());
    const update = gateway.updates().at(-1)!.body.template_card;
    expect(update.main_title.title).toBe('语音跟进：已记录');
    expect(chat.all('zhangsan').some((m) => m.includes('已记录') && m.includes('下次跟进'))).toBe(true);
    expect(chat.last('zhangsan')).toContain('已经记录过了');

    // 修改 records nothing and hands back the command to edit; 取消 records nothing.
    await chat.say('zhangsan', '机器人测试泵业 样品八万五寄出', { voice: true });
    const second = gateway.sends().filter((s) => s.body.chatid === 'zhangsan' && s.body.msgtype === 'template_card').at(-1)!.body.template_card;
    gateway.event({ msgid: 'voice-edit', chattype: 'single', from: { userid: 'zhangsan' }, event: { eventtype: 'template_card_event', event_key: second.button_list[1].key, task_id: second.task_id } });
    await recorded(t().db, app, 'bot:voice-edit');
    expect(chat.last('zhangsan')).toMatch(/请修改后发送：\n\/跟进 [CD]-\d+ 机器人测试泵业 样品八万五寄出/);
    await chat.say('zhangsan', '机器人测试泵业 八万五的单子客户说再等等', { voice: true });
    await chat.say('zhangsan', '/语音 取消');
    expect(chat.last('zhangsan')).toBe('已取消：这条语音没有记录。');
    expect(await followUps()).toHaveLength(1);

    // With the confirmation turned off, a voice note is written at once and the reply says what was heard.
    await chat.say('admin1', '/设置 语音确认 关');
    await chat.say('zhangsan', '机器人测试泵业 电话确认八万五 月底签', { voice: true });
    expect(await followUps()).toHaveLength(2);
    expect(chat.last('zhangsan')).toMatch(/^听到：「机器人测试泵业 电话确认八万五 月底签」\n已记录/);
    await chat.say('admin1', '/设置 语音确认 开');
  });

  it('works in a group when @-mentioned: the mention is stripped and `/设置 战报 本群` binds the group', async () => {
    await chat.say('admin1', '@ChatCRM /设置 战报 本群 华东销售部', { group: 'wrGroupEast' });
    expect(chat.last('wrGroupEast')).toContain('已开启本群战报');
    expect(await queryRows(t().db, sql`select tc.platform::text as platform, tc.chat_id from team_chats tc`)).toEqual([{ platform: 'wecom', chat_id: 'wrGroupEast' }]);
  });

  it('retries a send refused as busy and marks one refused for good as dead', async () => {
    gateway.failNextSends(-1);
    await chat.say('zhangsan', '/待办');
    const row = (await queryRows<{ status: string; last_error: string }>(t().db, sql`select status::text, last_error from outbox order by id desc limit 1`))[0]!;
    expect(row.status).toBe('pending');
    expect(row.last_error).toMatch(/RATE_LIMITED/);
    gateway.failNextSends(40008);
    await chat.say('zhangsan', '/帮助');
    const dead = (await queryRows<{ status: string; last_error: string }>(t().db, sql`select status::text, last_error from outbox order by id desc limit 1`))[0]!;
    expect(dead).toEqual({ status: 'dead', last_error: expect.stringMatching(/PLATFORM_REJECTED: robot 40008/) });
  });

  it('reconnects after the gateway drops the connection and keeps working', async () => {
    const auths = gateway.authenticated();
    const next = gateway.nextAuth();
    gateway.drop();
    await next;
    expect(gateway.authenticated()).toBe(auths + 1);
    await chat.say('admin1', '/help');
    expect(chat.last('admin1')).toContain('/跟进');
  });
});

describe(`WeCom smart robot next to the self-built app: one corp, one user per person, replies go back the way they came (${testDriver()})`, () => {
  const t = useTestDb();
  let gateway: FakeRobotGateway;
  let fake: FakeWecom;
  let app: TestServer;
  const chat = robotChat(() => t().db, () => gateway, () => app);

  beforeAll(async () => {
    gateway = await startFakeRobotGateway(TEST_ROBOT);
    fake = await startFakeWecom({ corpId: TEST_WECOM.corpId, secret: TEST_WECOM.secret, agentId: TEST_WECOM.agentId, webhookKeys: ['robot-key-1'] });
    app = await startTestServer(t(), { ...wecomEnv(fake.baseUrl), ...robotEnv(gateway.url) });
    await gateway.connected();
  });
  afterAll(async () => {
    await app?.close();
    await gateway?.close();
    await fake?.close();
  });

  it('shares the wecom identity and splits the replies between the two lanes', async () => {
    const res = await app.post('/bots/wecom/callback', signedCallback(textXml('zhangsan', '/新客户 双通道阀门厂 13600000002')));
    expect(res.statusCode).toBe(200);
    await app.settle();
    expect(JSON.stringify(fake.sends().filter((s) => (s.body as any).touser === 'zhangsan').at(-1)?.body)).toMatch(/已创建客户 C-\d+/);
    const robotBefore = gateway.sends().length;

    await chat.say('zhangsan', '/查看 双通道阀门厂');
    expect(chat.last('zhangsan')).toContain('双通道阀门厂');
    expect(gateway.sends().length).toBe(robotBefore + 1);
    expect(await queryRows(t().db, sql`select count(*)::int as n from users`)).toEqual([{ n: 1 }]);
    expect(await queryRows(t().db, sql`select count(*)::int as n from tenants`)).toEqual([{ n: 1 }]);

    // A group message goes out through the robot; the self-built app's group-robot webhooks stay with the app.
    await chat.say('zhangsan', '@ChatCRM /帮助', { group: 'wrGroupSouth' });
    expect(chat.last('wrGroupSouth')).toContain('/跟进');
    const transports = (await openReadyz(app)).transports;
    expect(transports).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ transport: 'wecom', mode: 'webhook', state: 'listening' }),
        expect.objectContaining({ transport: 'wecom-robot', mode: 'long connection', state: 'open' }),
      ]),
    );
  });
});
