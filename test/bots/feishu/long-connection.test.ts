import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
