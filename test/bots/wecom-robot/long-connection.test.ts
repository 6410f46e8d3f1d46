// The robot's connection through the SDK against the local gateway, with small bounds (heartbeat 40 ms, silence
// 300 ms, backoff 20–80 ms, warning after 250 ms): a gateway that goes silent without closing, one that closes, one
// that refuses for a while, and another process taking the connection over.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChatAdapter, InboundEvent } from '../../../src/adapter.js';
import { createWecomRobotAdapter } from '../../../bots/wecom-robot/index.js';
import { startFakeRobotGateway, type FakeRobotGateway } from '../../fakes/wecom-robot-gateway.js';
import { TEST_ROBOT } from '../../helpers/server.js';

const until = async (what: string, ok: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('WeCom robot long connection: watchdog against a local gateway', () => {
  let gateway: FakeRobotGateway;
  let adapter: ChatAdapter;
  let logs: Array<{ level: string; msg?: string; obj: any }>;
  const state = () => adapter.status!()[0]!;

  beforeEach(async () => {
    gateway = await startFakeRobotGateway(TEST_ROBOT);
    logs = [];
    const sink = (level: string) => (obj: object, msg?: string) => void logs.push({ level, obj, ...(msg ? { msg } : {}) });
    adapter = createWecomRobotAdapter(
      { botId: TEST_ROBOT.botId, secret: TEST_ROBOT.secret, wsUrl: gateway.url, tenantKey: 'wecom' },
      { heartbeatMs: 40, silenceMs: 300, backoffBaseMs: 20, backoffMaxMs: 80, warnAfterMs: 250, log: { info: sink('info'), warn: sink('warn'), error: sink('error') } },
    );
    await adapter.start!(async () => ({}));
    await until('open', () => state().state === 'open');
  });
  afterEach(async () => {
    await adapter.stop!();
    await gateway.close();
  });

  it('pings on the heartbeat and reports the last frame', async () => {
    await until('two pings', () => gateway.pings() >= 2);
    const s = state();
    expect(s).toMatchObject({ transport: 'wecom-robot', mode: 'long connection', state: 'open' });
    expect(Date.now() - Date.parse(s.lastFrameAt!)).toBeLessThan(1000);
  });

  it('reconnects when the gateway goes silent without closing', async () => {
    gateway.muteCurrent();
    await until('a new subscription', () => gateway.authenticated() >= 2);
    await until('open again', () => state().state === 'open');
    expect(logs.filter((l) => l.level === 'warn')).toEqual([]); // a short outage is not a warning
    // The new connection works: a proactive send gets its receipt.
    await adapter.send({ tenantKey: 'wecom', kind: 'user', id: 'zhangsan' }, { type: 'text', text: '你好' });
    expect(gateway.sends().at(-1)!.body).toMatchObject({ chatid: 'zhangsan', msgtype: 'markdown', markdown: { content: '你好' } });
  });

  it('reconnects when the gateway closes the connection', async () => {
    gateway.drop();
    await until('a new subscription', () => gateway.authenticated() >= 2);
    await until('open again', () => state().state === 'open');
  });

  it('keeps retrying with backoff while the gateway refuses, warns once after the bound, and says when it is back', async () => {
    gateway.refuseNext(8);
    gateway.drop();
    await until('down', () => state().state === 'down');
    expect(state()).toMatchObject({ state: 'down', downSince: expect.any(String) });
    await until('open again', () => state().state === 'open', 10_000);
    expect(gateway.refused()).toBe(8);
    const warnings = logs.filter((l) => l.level === 'warn').map((l) => l.msg);
    expect(warnings).toEqual([expect.stringMatching(/长连接已断开超过/), expect.stringMatching(/已恢复/)]);
    expect(logs.filter((l) => l.level === 'error')).toEqual([]);
  });

  it('stays down when another process takes the connection over, and a send says it is not connected', async () => {
    gateway.kick();
    await until('replaced', () => state().state === 'replaced');
    await new Promise((r) => setTimeout(r, 200));
    expect(gateway.authenticated()).toBe(1);
    expect(logs.some((l) => l.level === 'warn' && /另一个进程/.test(l.msg ?? ''))).toBe(true);
    await expect(adapter.send({ tenantKey: 'wecom', kind: 'user', id: 'zhangsan' }, { type: 'text', text: '你好' })).rejects.toMatchObject({ code: 'NETWORK', retryable: true });
  });

  it('drops malformed and foreign frames without dispatching, and keeps the connection', async () => {
    await adapter.stop!();
    const seen: InboundEvent[] = [];
    const fresh = createWecomRobotAdapter({ botId: TEST_ROBOT.botId, secret: TEST_ROBOT.secret, wsUrl: gateway.url, tenantKey: 'wx5823bf96d3bd56c7' }, { heartbeatMs: 40, silenceMs: 150 });
    adapter = fresh;
    await fresh.start!(async (e) => {
      seen.push(e);
      return {};
    });
    await until('open', () => state().state === 'open');
    gateway.raw('not json {');
    gateway.raw(JSON.stringify({ cmd: 'aibot_msg_callback', headers: { req_id: 'r1' } }));
    gateway.message({ msgid: 'bad-1', msgtype: 'text', text: { content: '/帮助' } }); // no sender
    gateway.message({ msgid: 'bad-2', chattype: 'channel', from: { userid: 'u1' }, msgtype: 'text', text: { content: '/帮助' } });
    gateway.message({ msgid: 'bad-3', from: { userid: 'u1' }, msgtype: 'text', text: { content: 'x'.repeat(20_001) } });
    gateway.message({ msgid: 'bad-4', from: { userid: 'u1' }, msgtype: 'text', text: 42 });
    gateway.event({ msgid: 'bad-5', from: { userid: 'u1' }, event: { eventtype: 'template_card_event', event_key: '{"v":1,"a":"approve","id":"A-1"}' } }); // no task_id
    gateway.event({ msgid: 'bad-6', from: { userid: 'u1' }, event: { eventtype: 'enter_chat' } });
    gateway.raw(JSON.stringify({ cmd: 'aibot_msg_callback', headers: { req_id: 'r2' }, body: JSON.parse('{"msgid":"proto-1","chattype":"single","from":{"userid":"u2"},"msgtype":"text","text":{"content":"/帮助"},"__proto__":{"admin":true}}') }));
    gateway.message({ msgid: 'good-1', from: { userid: 'u1' }, msgtype: 'image', image: { url: 'https://x' } });
    await until('the good frames', () => seen.length >= 2);
    expect(seen.map((e) => e.eventKey)).toEqual(['bot:proto-1', 'bot:good-1']);
    expect(seen[0]).toMatchObject({ platform: 'wecom', tenantKey: 'wx5823bf96d3bd56c7', actor: { platformUserId: 'u2' }, chat: { id: 'u2', kind: 'direct' }, text: '/帮助', via: `robot:${TEST_ROBOT.botId}` });
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
    expect(seen[1]).toMatchObject({ type: 'message', nonText: 'image' });
    expect(state().state).toBe('open');
  });

  it('reports a wrong secret once, not per retry', async () => {
    await adapter.stop!();
    const wrong = createWecomRobotAdapter(
      { botId: TEST_ROBOT.botId, secret: 'not-the-secret-0123456789', wsUrl: gateway.url, tenantKey: 'wecom' },
      { heartbeatMs: 40, silenceMs: 150, backoffBaseMs: 10, backoffMaxMs: 20, log: { warn: () => {}, error: (obj, msg) => void logs.push({ level: 'error', obj, ...(msg ? { msg } : {}) }) } },
    );
    await wrong.start!(async () => ({}));
    await until('several refused subscriptions', () => gateway.frames.filter((f) => f.cmd === 'aibot_subscribe' && f.body.secret !== TEST_ROBOT.secret).length >= 3);
    await wrong.stop!();
    const errors = logs.filter((l) => l.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.msg).toContain('WECOM_BOT_SECRET');
    expect(JSON.stringify(errors)).not.toContain('not-the-secret');
  });
});

describe('WeCom robot: files over the connection', () => {
  it('uploads a PDF in chunks through the SDK and sends it as a file message', async () => {
    const gateway = await startFakeRobotGateway(TEST_ROBOT);
    const adapter = createWecomRobotAdapter({ botId: TEST_ROBOT.botId, secret: TEST_ROBOT.secret, wsUrl: gateway.url, tenantKey: 'wecom' }, {});
    try {
      await adapter.start!(async () => ({}));
      await gateway.connected();
      // Over one 512 KB chunk, so the upload takes several.
      const bytes = Buffer.concat([Buffer.from('%PDF-1.7 报价单\n'), Buffer.alloc(700 * 1024, 7)]);
      await adapter.send({ tenantKey: 'wecom', kind: 'user', id: 'zhangsan' }, { type: 'file', fileName: '报价单-Q-3.pdf', mimeType: 'application/pdf', base64: bytes.toString('base64') });
      const [file] = gateway.files();
      expect(file).toMatchObject({ to: 'zhangsan', filename: '报价单-Q-3.pdf' });
      expect(file!.bytes.equals(bytes)).toBe(true);
      expect(gateway.frames.filter((f) => f.cmd === 'aibot_upload_media_chunk').length).toBeGreaterThan(1);
    } finally {
      await adapter.stop!();
      await gateway.close();
    }
  });
});
