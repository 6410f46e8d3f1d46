// Ambiguous sends through the real outbox worker, real adapters and fake platform APIs on 127.0.0.1: a send that
// arrived but was answered after the adapter's timeout is retried with the platform's idempotency key (WeCom
// duplicate check + a stable task id, Feishu uuid, DingTalk template-card outTrackId), and a legitimately repeated
// reply still arrives. Also 5xx with a JSON code, expired tokens and rate limits, each to its table row's outcome.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatAdapter, OutboundMessage, Platform, SendTarget } from '../../src/adapter.js';
import { createDingtalkAdapter } from '../../bots/dingtalk/index.js';
import { createFeishuAdapter } from '../../bots/feishu/index.js';
import { createWecomAdapter } from '../../bots/wecom/index.js';
import { buildApprovalCard } from '../../cards/approval-card.js';
import type { Db } from '../../src/db/client.js';
import { installId } from '../../src/db/install-id.js';
import { outbox } from '../../src/db/schema/index.js';
import { createDbTokenStore } from '../../src/db/token-store.js';
import { enqueue } from '../../src/outbox/enqueue.js';
import { createOutboxWorker } from '../../src/outbox/worker.js';
import { TEST_DINGTALK, staffId } from '../bots/dingtalk/sign.js';
import { TEST_FEISHU, openId } from '../bots/feishu/sign.js';
import { TEST_WECOM } from '../bots/wecom/sign.js';
import { startFakeDingtalk, type FakeDingtalk } from '../fakes/dingtalk-api.js';
import { startFakeFeishu, type FakeFeishu } from '../fakes/feishu-api.js';
import { startFakeWecom, type FakeWecom } from '../fakes/wecom-api.js';
import { createClock } from '../helpers/clock.js';
import { createTestDb, testDriver, useTestDb, type TestDb } from '../helpers/db.js';

/** Adapters give up after this long; the fakes answer "slow" sends after SLOW_MS (having delivered them).
 * The fakes share the test's event loop with PGlite, so on a loaded machine an ordinary answer can take several
 * hundred ms: the timeout leaves room for that, and SLOW_MS is well past it. */
const TIMEOUT_MS = 1_500;
const SLOW_MS = 3_000;

const approval = (approvalId: string) =>
  buildApprovalCard({
    approvalId, customerName: '华东阀门', dealId: 'D-3', dealTitle: '球阀', amountFen: 8_600_000, discountPercent: 6,
    repName: '张三', note: '', status: 'pending', steps: [{ roleLabel: '财务', approverName: '李四', status: 'pending' }], timeZone: 'Asia/Shanghai',
  });

async function row(db: Db, id: number) {
  const [r] = await db.select().from(outbox).where(eq(outbox.id, id));
  return r!;
}

function harness(db: Db, adapter: ChatAdapter) {
  const clock = createClock('2026-11-25T10:00:00Z');
  const worker = createOutboxWorker({ db, adapters: [adapter], now: clock.now, ratePerSecond: { [adapter.platform]: 1000 } });
  return {
    clock,
    async put(platform: Platform, target: SendTarget, message: OutboundMessage) {
      return (await enqueue(db, { tenantId: null, platform, target, payload: { op: 'send', message } }))!;
    },
    /** Drains now, then after an hour (every backoff is due), until nothing is left. */
    async settle() {
      await worker.drain();
      for (let i = 0; i < 4; i++) {
        clock.advanceHours(1);
        await worker.drain();
      }
    },
    drain: () => worker.drain(),
  };
}

describe(`ambiguous sends and error outcomes against the fake APIs (${testDriver()})`, () => {
  const t = useTestDb();

  describe('WeCom', () => {
    let fake: FakeWecom;
    let h: ReturnType<typeof harness>;
    const to: SendTarget = { tenantKey: TEST_WECOM.corpId, kind: 'user', id: 'lisi' };
    beforeAll(async () => {
      fake = await startFakeWecom({ corpId: TEST_WECOM.corpId, secret: TEST_WECOM.secret, agentId: TEST_WECOM.agentId });
      const adapter = createWecomAdapter({ ...TEST_WECOM, apiBase: fake.baseUrl }, { tokenStore: createDbTokenStore(t().db), timeoutMs: TIMEOUT_MS });
      h = harness(t().db, adapter);
    });
    afterAll(() => fake.close());

    it('a timed-out text is retried once and WeCom drops the copy: the user reads it once', async () => {
      const id = await h.put('wecom', to, { type: 'text', text: '跟进已记录：华东阀门' });
      fake.slowNext(SLOW_MS);
      await h.drain();
      expect(await row(t().db, id)).toMatchObject({ status: 'pending', attempts: 1 });
      expect((await row(t().db, id)).lastError).toMatch(/^NETWORK: /);
      await h.settle();
      expect(await row(t().db, id)).toMatchObject({ status: 'sent', attempts: 2 });
      const sends = fake.sends().slice(-2).map((s) => s.body as any);
      expect(sends[0]).toEqual(sends[1]); // the retry is the same request JSON …
      expect(sends[0]).toMatchObject({ enable_duplicate_check: 1, duplicate_check_interval: 1800 });
      expect(fake.duplicatesDropped()).toBe(1); // … which WeCom's duplicate check drops
      expect(fake.delivered.filter((d) => d.content.startsWith('跟进已记录：华东阀门'))).toHaveLength(1);
    });

    it('the same answer asked for twice (two outbox rows) arrives twice, invisibly tagged per row', async () => {
      const a = await h.put('wecom', to, { type: 'markdown', title: '待办', text: '- D-3 球阀' });
      const b = await h.put('wecom', to, { type: 'markdown', title: '待办', text: '- D-3 球阀' });
      await h.drain();
      expect((await row(t().db, a)).status).toBe('sent');
      expect((await row(t().db, b)).status).toBe('sent');
      const both = fake.delivered.filter((d) => d.content.includes('D-3 球阀'));
      expect(both).toHaveLength(2);
      expect(both[0]!.content).not.toBe(both[1]!.content);
      // What the user sees is identical: the tags are zero-width characters only.
      const visible = (s: string) => s.replace(/[\u200b\u200c\u200d\u2060]/g, '');
      expect(visible(both[0]!.content)).toBe(visible(both[1]!.content));
    });

    it('a timed-out approval card is retried with the same task id: one card, and the row keeps its response code', async () => {
      const before = fake.cards.length;
      const id = await h.put('wecom', to, { type: 'card', card: approval('A-71') });
      fake.slowNext(SLOW_MS);
      await h.settle();
      expect(await row(t().db, id)).toMatchObject({ status: 'sent', attempts: 2 });
      const sends = fake.sends().slice(-2).map((s) => (s.body as any).template_card.task_id);
      expect(sends[0]).toBe(sends[1]);
      expect(fake.cards.slice(before)).toHaveLength(1);
      expect(fake.cards.at(-1)!.taskId).toBe(sends[0]);
    });

    it('HTTP 502 with a JSON errcode and rate limits are retried; an expired token is refreshed in the same attempt', async () => {
      const id = await h.put('wecom', to, { type: 'text', text: '五百零二' });
      fake.failNext('http_502_code');
      await h.drain();
      expect(await row(t().db, id)).toMatchObject({ status: 'pending', lastError: 'NETWORK: 50001 system error' });
      fake.failNext('rate_limited');
      h.clock.advanceHours(1);
      await h.drain();
      const limited = await row(t().db, id);
      expect(limited).toMatchObject({ status: 'pending', lastError: 'RATE_LIMITED: 45009 api freq out of limit' });
      expect(limited.nextAttemptAt.getTime() - h.clock.now().getTime()).toBe(60_000);
      fake.failNext('token_expired');
      const tokens = fake.tokenCalls();
      h.clock.advanceHours(1);
      await h.drain();
      expect(await row(t().db, id)).toMatchObject({ status: 'sent', attempts: 3 });
      expect(fake.tokenCalls()).toBe(tokens + 1);
      expect(fake.delivered.filter((d) => d.content.startsWith('五百零二'))).toHaveLength(1);
    });
  });

  describe('Feishu', () => {
    let fake: FakeFeishu;
    let h: ReturnType<typeof harness>;
    const to: SendTarget = { tenantKey: 'tk', kind: 'user', id: openId('lisi') };
    beforeAll(async () => {
      fake = await startFakeFeishu({ appId: TEST_FEISHU.appId, appSecret: TEST_FEISHU.appSecret });
      const adapter = createFeishuAdapter({ ...TEST_FEISHU, domain: fake.baseUrl }, { tokenStore: createDbTokenStore(t().db), timeoutMs: TIMEOUT_MS });
      h = harness(t().db, adapter);
    });
    afterAll(() => fake.close());

    it('a timed-out card is retried with the same uuid (install id + row id): one message', async () => {
      const id = await h.put('feishu', to, { type: 'card', card: approval('A-72') });
      fake.slowNext(SLOW_MS);
      await h.drain();
      expect(await row(t().db, id)).toMatchObject({ status: 'pending', attempts: 1 });
      await h.settle();
      expect(await row(t().db, id)).toMatchObject({ status: 'sent', attempts: 2 });
      const [first, retry] = fake.creates().slice(-2).map((c) => c.body.uuid);
      expect(first).toBe(`${await installId(t().db)}-${id}`);
      expect(retry).toBe(first);
      expect(first!.length).toBeLessThanOrEqual(50);
      expect([...fake.messages.values()].filter((m) => m.content.header?.title?.content?.includes('A-72'))).toHaveLength(1);
    });

    it('another database (a fresh install reusing row ids) gets other uuids', async () => {
      const other: TestDb = await createTestDb();
      try {
        expect(await installId(other.db)).not.toBe(await installId(t().db));
        expect(await installId(other.db)).toBe(await installId(other.db));
        expect(await installId(other.db)).toMatch(/^[0-9a-f]{16}$/);
      } finally {
        await other.close();
      }
    });

    it('HTTP 500 with a JSON code is retried, not marked dead; rate limits wait 2 s; an invalid token is refreshed', async () => {
      const id = await h.put('feishu', to, { type: 'text', text: '服务端错误' });
      fake.failNext('http_500_code');
      await h.drain();
      expect(await row(t().db, id)).toMatchObject({ status: 'pending', lastError: 'NETWORK: 1500 internal error' });
      fake.failNext('rate_limited');
      h.clock.advanceHours(1);
      await h.drain();
      const limited = await row(t().db, id);
      expect(limited.status).toBe('pending');
      expect(limited.nextAttemptAt.getTime() - h.clock.now().getTime()).toBe(2_000);
      fake.failNext('token_expired');
      const tokens = fake.tokenCalls();
      h.clock.advanceHours(1);
      await h.drain();
      expect(await row(t().db, id)).toMatchObject({ status: 'sent', attempts: 3 });
      expect(fake.tokenCalls()).toBe(tokens + 1);
    });
  });

  describe('DingTalk', () => {
    let fake: FakeDingtalk;
    let h: ReturnType<typeof harness>;
    const to: SendTarget = { tenantKey: 'corp', kind: 'user', id: staffId('李四') };
    beforeAll(async () => {
      fake = await startFakeDingtalk({ appKey: TEST_DINGTALK.clientId, appSecret: TEST_DINGTALK.clientSecret, robotCode: TEST_DINGTALK.robotCode });
      const config = { ...TEST_DINGTALK, apiBase: fake.baseUrl, mode: 'stream' as const, cardTemplateId: 'tpl-approval.schema' };
      h = harness(t().db, createDingtalkAdapter(config, { tokenStore: createDbTokenStore(t().db), timeoutMs: TIMEOUT_MS }));
    });
    afterAll(() => fake.close());

    it('a timed-out template card is retried with the same outTrackId: one live card, taken as delivered', async () => {
      const id = await h.put('dingtalk', to, { type: 'card', card: approval('A-73') });
      fake.slowNext(SLOW_MS);
      await h.drain();
      expect(await row(t().db, id)).toMatchObject({ status: 'pending', attempts: 1 });
      await h.settle();
      expect(await row(t().db, id)).toMatchObject({ status: 'sent', attempts: 2 });
      const creates = fake.received.filter((r) => r.path === '/v1.0/card/instances/createAndDeliver').slice(-2);
      expect(creates[0]!.body.outTrackId).toBe(creates[1]!.body.outTrackId);
      expect([...fake.cards.keys()].filter((k) => k === creates[0]!.body.outTrackId)).toHaveLength(1);
      expect(fake.cards.size).toBe(1);
    });

    it('robot texts have no idempotency key: the documented policy is at least once (a timed-out text arrives twice)', async () => {
      const id = await h.put('dingtalk', to, { type: 'text', text: '至少一次' });
      fake.slowNext(SLOW_MS);
      await h.settle();
      expect(await row(t().db, id)).toMatchObject({ status: 'sent', attempts: 2 });
      expect(fake.sends().filter((s) => JSON.parse(s.body.msgParam).content === '至少一次')).toHaveLength(2);
    });

    it('HTTP 500 with a code and QPS limits are retried; an expired token is refreshed', async () => {
      const id = await h.put('dingtalk', to, { type: 'text', text: '钉钉重试' });
      fake.failNext('http_500');
      await h.drain();
      expect(await row(t().db, id)).toMatchObject({ status: 'pending', lastError: 'NETWORK: HTTP 500 InternalError busy' });
      fake.failNext('rate_limited');
      h.clock.advanceHours(1);
      await h.drain();
      const limited = await row(t().db, id);
      expect(limited.nextAttemptAt.getTime() - h.clock.now().getTime()).toBe(5_000);
      fake.failNext('token_expired');
      h.clock.advanceHours(1);
      await h.drain();
      expect(await row(t().db, id)).toMatchObject({ status: 'sent', attempts: 3 });
    });
  });
});
