import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import type { InboundEvent } from '../../src/adapter.js';
import { decodeRobotMessage, robotMessageSchema } from '../../bots/dingtalk/decode.js';
import { decodeMessageEvent } from '../../bots/feishu/decode.js';
import { decodeMessage } from '../../bots/wecom/decode.js';
import { queryRows } from '../../src/db/rows.js';
import { createDispatch } from '../../src/inbound/dispatch.js';
import { robotMessage } from '../bots/dingtalk/sign.js';
import { messageEvent } from '../bots/feishu/sign.js';
import { TEST_WECOM } from '../bots/wecom/sign.js';
import { testDriver, useTestDb } from '../helpers/db.js';

const now = new Date();
const imageXml = `<xml><ToUserName><![CDATA[${TEST_WECOM.corpId}]]></ToUserName><FromUserName><![CDATA[zhangsan]]></FromUserName><CreateTime>${Math.floor(now.getTime() / 1000)}</CreateTime><MsgType><![CDATA[image]]></MsgType><PicUrl><![CDATA[http://x/p.jpg]]></PicUrl><MediaId><![CDATA[m1]]></MediaId><MsgId>8800000000000000001</MsgId><AgentID>${TEST_WECOM.agentId}</AgentID></xml>`;

describe(`pictures, voice notes and files get a polite answer (${testDriver()})`, () => {
  const t = useTestDb();

  it('decodes non-text messages on every platform and answers that only text is read', async () => {
    const feishuImage = messageEvent('zhangsan', '');
    (feishuImage.event.message as Record<string, unknown>).message_type = 'image';
    feishuImage.event.message.content = JSON.stringify({ image_key: 'img_1' });
    const flat = (e: ReturnType<typeof messageEvent>) => ({ ...e.header, ...e.event });
    const dingPicture = robotMessageSchema.parse({ ...robotMessage('王五', ''), msgtype: 'picture', text: undefined, content: { downloadCode: 'x' } });
    const events = [
      decodeMessage(imageXml, TEST_WECOM.corpId, now),
      decodeMessageEvent(flat(feishuImage), now),
      decodeRobotMessage(dingPicture, now),
    ] as InboundEvent[];
    expect(events.map((e) => (e.type === 'message' ? e.nonText : undefined))).toEqual(['image', 'image', 'picture']);

    const dispatch = createDispatch({ db: t().db, defaultTimeZone: 'Asia/Shanghai' });
    for (const e of events) await dispatch(e);
    const replies = await queryRows<{ text: string }>(t().db, sql`select payload->'message'->>'text' as text from outbox order by id`);
    expect(replies).toHaveLength(3);
    for (const r of replies) expect(r.text).toContain('暂时只能读懂文字消息');
    expect(await queryRows(t().db, sql`select count(*)::int as n from customers`)).toEqual([{ n: 0 }]);
  });

  it('reads the text of a Feishu rich-text (post) message', () => {
    const post = messageEvent('zhangsan', '');
    (post.event.message as Record<string, unknown>).message_type = 'post';
    post.event.message.content = JSON.stringify({ title: '', content: [[{ tag: 'text', text: '/跟进 D-3 ' }, { tag: 'text', text: '已寄样' }]] });
    const e = decodeMessageEvent({ ...post.header, ...post.event }, now);
    expect(e).toMatchObject({ type: 'message', text: '/跟进 D-3 已寄样' });
    expect(e && 'nonText' in e ? e.nonText : undefined).toBeUndefined();
  });
});
