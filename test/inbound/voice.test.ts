// Voice notes on the platforms without the robot: DingTalk audio carries `recognition` (read like a spoken sentence,
// confirmed before it is written — here with the ActionCard's typed fallback, `/语音 确认`); an audio message
// without one asks to repeat it; Feishu audio and WeCom self-built AMR voice have no transcript, and the answer
// says where voice is read. Through the production app against the fake platform APIs.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RawRequest } from '../../src/adapter.js';
import { queryRows } from '../../src/db/rows.js';
import { parseDueDate } from '../../src/domain/dates.js';
import { TEST_DINGTALK, robotMessage, signedRobotCallback, staffId } from '../bots/dingtalk/sign.js';
import { TEST_FEISHU, messageEvent, openId, signedEvent } from '../bots/feishu/sign.js';
import { TEST_WECOM, signedCallback } from '../bots/wecom/sign.js';
import { startFakeDingtalk, type FakeDingtalk } from '../fakes/dingtalk-api.js';
import { startFakeFeishu, type FakeFeishu } from '../fakes/feishu-api.js';
import { startFakeWecom, type FakeWecom } from '../fakes/wecom-api.js';
import { CALLBACK_PATH, DINGTALK_PATH, FEISHU_PATH, startFaultApp, type FaultApp } from '../faults/harness.js';
import { testDriver, useTestDb } from '../helpers/db.js';

describe(`voice notes on DingTalk, Feishu and the WeCom self-built app (${testDriver()})`, () => {
  const t = useTestDb();
  let dingtalk: FakeDingtalk;
  let feishu: FakeFeishu;
  let wecom: FakeWecom;
  let app: FaultApp;
  const post = async (path: string, req: RawRequest) => {
    const q = new URLSearchParams(req.query as Record<string, string>).toString();
    const res = await app.inject({ method: 'POST', url: q ? `${path}?${q}` : path, headers: req.headers as Record<string, string>, payload: req.body });
    expect(res.statusCode).toBe(200);
    await app.settle();
  };
  const ding = (user: string, body: Record<string, unknown>) => post(DINGTALK_PATH, signedRobotCallback(body));
  const dingText = (user: string, text: string) => ding(user, robotMessage(user, text));
  const dingAudio = (user: string, recognition?: string) => {
    const { text: _t, ...m } = robotMessage(user, '');
    return ding(user, { ...m, msgtype: 'audio', content: { duration: 4000, downloadCode: 'dl-code', ...(recognition !== undefined ? { recognition } : {}) } });
  };
  const dingSent = (user: string) =>
    dingtalk
      .sends()
      .filter((r) => r.body.userIds?.[0] === staffId(user))
      .map((r) => JSON.parse(r.body.msgParam) as Record<string, string>);

  beforeAll(async () => {
    dingtalk = await startFakeDingtalk({ appKey: TEST_DINGTALK.clientId, appSecret: TEST_DINGTALK.clientSecret, robotCode: TEST_DINGTALK.robotCode });
    feishu = await startFakeFeishu({ appId: TEST_FEISHU.appId, appSecret: TEST_FEISHU.appSecret });
    wecom = await startFakeWecom({ corpId: TEST_WECOM.corpId, secret: TEST_WECOM.secret, agentId: TEST_WECOM.agentId, webhookKeys: ['robot-key-1'] });
    app = await startFaultApp(t(), { dingtalk: dingtalk.baseUrl, feishu: feishu.baseUrl, wecom: wecom.baseUrl });
  });
  afterAll(async () => {
    await app?.close();
    await Promise.all([dingtalk?.close(), feishu?.close(), wecom?.close()]);
  });

  it('DingTalk: a transcript becomes a confirm card; `/语音 确认` writes the follow-up with the date said aloud', async () => {
    await dingText('admin1', '/帮助');
    await dingText('zhangsan', '/新客户 语音测试五金 13600000009');
    await dingAudio('zhangsan', '语音测试五金 今天电话聊了报价八万五，月底再联系');
    const card = dingSent('zhangsan').at(-1)!;
    expect(card.title).toBe('语音跟进：请确认');
    expect(card.text).toContain('听到');
    expect(card.text).toContain('语音测试五金 今天电话聊了报价八万五，月底再联系');
    expect(card.text).toContain('¥85,000');
    expect(await queryRows(t().db, sql`select count(*)::int as n from follow_ups`)).toEqual([{ n: 0 }]);
    expect(JSON.stringify(card)).toContain(encodeURIComponent('/语音 确认').slice(0, 6)); // buttons send the command
    await dingText('zhangsan', '/语音 确认');
    const [row] = await queryRows<{ summary: string; next_due_at: string }>(t().db, sql`select summary, next_due_at from follow_ups`);
    expect(row!.summary).toBe('语音测试五金 今天电话聊了报价八万五，月底再联系');
    const monthEnd = parseDueDate('月底', new Date(), 'Asia/Shanghai');
    expect(new Date(row!.next_due_at).toISOString()).toBe(monthEnd.ok && monthEnd.date.toISOString());
    expect(dingSent('zhangsan').at(-1)!.content).toMatch(/^已记录电话跟进 → 客户 C-\d+ 语音测试五金/);
    await dingText('zhangsan', '/语音 确认'); // nothing pending any more
    expect(dingSent('zhangsan').at(-1)!.content).toBe('没有等待确认的语音跟进。');
    expect(await queryRows(t().db, sql`select count(*)::int as n from follow_ups`)).toEqual([{ n: 1 }]);
  });

  it('DingTalk: audio without a transcript asks to say it again', async () => {
    await dingAudio('zhangsan');
    expect(dingSent('zhangsan').at(-1)!.content).toContain('没能听清这条语音');
  });

  it('Feishu audio and WeCom self-built voice: says plainly that voice is read on DingTalk and the WeCom robot, and keeps answering', async () => {
    const audio = messageEvent('wangwu', '');
    audio.event.message.message_type = 'audio';
    audio.event.message.content = JSON.stringify({ file_key: 'file_v2_x', duration: 3000 });
    await post(FEISHU_PATH, signedEvent(audio));
    const toWangwu = () => [...feishu.messages.values()].filter((m) => m.receiveId === openId('wangwu')).map((m) => JSON.stringify(m.content));
    expect(toWangwu().at(-1)).toContain('钉钉和企业微信智能机器人');
    await post(FEISHU_PATH, signedEvent(messageEvent('wangwu', '/帮助')));
    expect(toWangwu().at(-1)).toContain('/跟进');

    const now = Math.floor(Date.now() / 1000);
    const voiceXml = `<xml><ToUserName><![CDATA[${TEST_WECOM.corpId}]]></ToUserName><FromUserName><![CDATA[zhaoliu]]></FromUserName><CreateTime>${now}</CreateTime><MsgType><![CDATA[voice]]></MsgType><MediaId><![CDATA[media-1]]></MediaId><Format><![CDATA[amr]]></Format><MsgId>7700000000000000901</MsgId><AgentID>${TEST_WECOM.agentId}</AgentID></xml>`;
    await post(CALLBACK_PATH, signedCallback(voiceXml));
    const last = wecom.sends().filter((s) => (s.body as any).touser === 'zhaoliu').at(-1)!.body as any;
    expect(last.text.content).toContain('钉钉和企业微信智能机器人');
  });
});
