import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ChatAdapter } from '../../../src/adapter.js';
import { createFeishuAdapter } from '../../../bots/feishu/index.js';
import { encodeActionData } from '../../../cards/action-data.js';
import { createDbTokenStore } from '../../../src/db/token-store.js';
import { queryRows } from '../../../src/db/rows.js';
import { createDispatch } from '../../../src/inbound/dispatch.js';
import { startFakeFeishuWs } from '../../fakes/feishu-ws.js';
import { testDriver, useTestDb } from '../../helpers/db.js';
import { TEST_FEISHU, cardActionEvent, messageEvent } from './sign.js';

describe(`Feishu long-connection mode through the SDK WSClient and a local gateway (${testDriver()})`, () => {
  const t = useTestDb();
  let gateway: Awaited<ReturnType<typeof startFakeFeishuWs>>;
  let adapter: ChatAdapter;

  beforeAll(async () => {
    gateway = await startFakeFeishuWs({ appId: TEST_FEISHU.appId, appSecret: TEST_FEISHU.appSecret });
    adapter = createFeishuAdapter({ ...TEST_FEISHU, mode: 'ws', domain: gateway.domain }, { tokenStore: createDbTokenStore(t().db) });
    await adapter.start!(createDispatch({ db: t().db, defaultTimeZone: 'Asia/Shanghai' }));
  });
  afterAll(async () => {
    await adapter?.stop?.();
    await gateway?.close();
  });

  it('has no webhook route in ws mode', () => {
    expect(adapter.httpRoutes).toEqual([]);
  });

  it('runs a command pushed over the connection, once per event id', async () => {
    const ev = messageEvent('zhangsan', '/新客户 长连接测试机械厂 13700000000', { eventId: 'ev-ws-1' });
    const a = await gateway.push(ev);
    const b = await gateway.push(ev); // Feishu re-pushes when the answer is late
    expect(a.code).toBe(200);
    expect(b.code).toBe(200);
    expect(await queryRows(t().db, sql`select name from customers`)).toEqual([{ name: '长连接测试机械厂' }]);
    expect(gateway.endpointCalls()).toBe(1);
  });

  it('answers a card click with a toast in the ack frame', async () => {
    const res = await gateway.push(cardActionEvent('zhangsan', { d: encodeActionData({ a: 'approve', id: 'A-999' }) }, 'om_ws_1'));
    expect(res.code).toBe(200);
    const answer = JSON.parse(Buffer.from(res.data!, 'base64').toString('utf8'));
    expect(answer.toast.type).toBe('error');
    expect(answer.toast.content).toMatch(/\S/);
  });
});

describe('Feishu long connection: watchdog against a local gateway (ping every 50 ms, silence 300 ms)', () => {
  let gateway: Awaited<ReturnType<typeof startFakeFeishuWs>>;
  let adapter: ChatAdapter;
  let logs: Array<{ level: string; msg?: string }>;
  const state = () => adapter.status!()[0]!;
  const until = async (what: string, ok: () => boolean, ms = 8000) => {
    const end = Date.now() + ms;
    while (!ok()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(state())}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  };

  beforeEach(async () => {
    gateway = await startFakeFeishuWs({ appId: TEST_FEISHU.appId, appSecret: TEST_FEISHU.appSecret, pingIntervalSec: 0.05 });
    logs = [];
    const sink = (level: string) => (_obj: object, msg?: string) => void logs.push({ level, ...(msg ? { msg } : {}) });
    adapter = createFeishuAdapter(
      { ...TEST_FEISHU, mode: 'ws', domain: gateway.domain },
      {
        tokenStore: { get: async () => undefined, put: async () => {} },
        log: { info: sink('info'), warn: sink('warn'), error: sink('error') },
        // The SDK's own pong timeout is kept out of the way: the watchdog's bound is what is tested.
        longConnection: { silenceMs: 300, pingTimeoutSec: 60, backoffBaseMs: 20, backoffMaxMs: 80, warnAfterMs: 300 },
      },
    );
    await adapter.start!(async () => ({}));
    await until('open', () => state().state === 'open');
  });
  afterEach(async () => {
    await adapter.stop!();
    await gateway.close();
  });

  it('reports the connection with its last frame (the pong)', async () => {
    await until('a pong', () => state().lastFrameAt !== undefined);
    expect(state()).toMatchObject({ transport: 'feishu ws', mode: 'long connection', state: 'open' });
  });

  it('reconnects when the gateway goes silent without closing', async () => {
    await until('a pong', () => state().lastFrameAt !== undefined);
    gateway.muteCurrent();
    await until('a second connection', () => gateway.connections() >= 2);
    await until('open again', () => state().state === 'open');
    expect(logs.filter((l) => l.level === 'warn' || l.level === 'error')).toEqual([]);
  });

  it('reconnects when the gateway closes the connection', async () => {
    gateway.drop();
    await until('a second connection', () => gateway.connections() >= 2);
    await until('open again', () => state().state === 'open');
  });

  it('retries with backoff while the gateway refuses, warns once, and says when it is back', async () => {
    gateway.refuseNext(8);
    gateway.drop();
    await until('down', () => state().state === 'down');
    await until('open again', () => state().state === 'open', 10_000);
    expect(gateway.refused()).toBe(8);
    expect(logs.filter((l) => l.level === 'warn').map((l) => l.msg)).toEqual([expect.stringMatching(/长连接已断开超过/), expect.stringMatching(/已恢复/)]);
    expect(logs.filter((l) => l.level === 'error')).toEqual([]);
  });
});
