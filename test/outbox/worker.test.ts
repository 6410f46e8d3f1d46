import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { AdapterError, type ChatAdapter, type OutboundMessage, type SendTarget } from '../../src/adapter.js';
import { installId } from '../../src/db/install-id.js';
import { outbox, sentCards } from '../../src/db/schema/index.js';
import { enqueue } from '../../src/outbox/enqueue.js';
import { backoffMs, createOutboxWorker } from '../../src/outbox/worker.js';
import { createClock } from '../helpers/clock.js';
import { testDriver, useTestDb } from '../helpers/db.js';

/** A recording adapter that fails on demand — the platform boundary; the database stays real. */
function flakyAdapter() {
  const sent: Array<{ target: SendTarget; message: OutboundMessage; key?: string }> = [];
  let failures: AdapterError[] = [];
  const adapter: ChatAdapter = {
    platform: 'wecom',
    httpRoutes: [],
    async send(target, message, opts) {
      const f = failures.shift();
      if (f) throw f;
      sent.push({ target, message, ...(opts?.idempotencyKey ? { key: opts.idempotencyKey } : {}) });
      return { messageId: `m${sent.length}`, cardRef: `rc${sent.length}` };
    },
    async updateCard() {},
  };
  return { adapter, sent, failNext: (...e: AdapterError[]) => (failures = e) };
}

const msg = (text: string): OutboundMessage => ({ type: 'text', text });
const target: SendTarget = { tenantKey: 'corp', kind: 'user', id: 'zhangsan' };

describe(`outbox sender (${testDriver()})`, () => {
  const t = useTestDb();

  it('sends one chat its rows in queue order while other chats go alongside', async () => {
    const { db } = t();
    const sent: string[] = [];
    // The platform answers the first message slowly: sent side by side, the second would overtake it.
    const adapter: ChatAdapter = {
      platform: 'wecom',
      httpRoutes: [],
      async send(_target, message) {
        const text = message.type === 'text' ? message.text : message.type;
        if (text === '战报') await new Promise((r) => setTimeout(r, 50));
        sent.push(text);
        return {};
      },
      async updateCard() {},
    };
    const worker = createOutboxWorker({ db, adapters: [adapter], ratePerSecond: { wecom: 1000 } });
    await enqueue(db, { tenantId: null, platform: 'wecom', target: { tenantKey: 'corp', kind: 'webhook', id: '华东群' }, payload: { op: 'send', message: msg('战报') } });
    await enqueue(db, { tenantId: null, platform: 'wecom', target: { tenantKey: 'corp', kind: 'webhook', id: '华东群' }, payload: { op: 'send', message: { type: 'image', fileName: 'a.png', mimeType: 'image/png', base64: '' } } });
    await enqueue(db, { tenantId: null, platform: 'wecom', target, payload: { op: 'send', message: msg('别的会话') } });
    await worker.drain();
    expect(sent.filter((s) => s !== '别的会话')).toEqual(['战报', 'image']);
    expect(sent.indexOf('别的会话')).toBeLessThan(sent.indexOf('战报'));
  });

  it('retries 5xx with backoff and delivers exactly once when the platform recovers', async () => {
    const { db } = t();
    const clock = createClock('2026-11-25T10:00:00Z');
    const fake = flakyAdapter();
    const worker = createOutboxWorker({ db, adapters: [fake.adapter], now: clock.now });
    const id = await enqueue(db, { tenantId: null, platform: 'wecom', target, payload: { op: 'send', message: msg('报价已通过') } });
    fake.failNext(new AdapterError('wecom', 'NETWORK', 'HTTP 503', true), new AdapterError('wecom', 'NETWORK', 'HTTP 502', true));
    await worker.drain();
    let [row] = await db.select().from(outbox).where(eq(outbox.id, id!));
    expect(row).toMatchObject({ status: 'pending', attempts: 1, lastError: 'NETWORK: HTTP 503' });
    expect(row!.nextAttemptAt.getTime()).toBe(clock.now().getTime() + backoffMs(1));
    await worker.drain(); // not due yet
    expect(fake.sent).toHaveLength(0);
    clock.advanceHours(1);
    await worker.drain();
    clock.advanceHours(1);
    await worker.drain();
    await worker.drain();
    [row] = await db.select().from(outbox).where(eq(outbox.id, id!));
    expect(row).toMatchObject({ status: 'sent', attempts: 3 });
    expect(fake.sent).toHaveLength(1);
    // One key for every attempt of the row, unique across installs: the database's install id + the row id.
    expect(fake.sent[0]!.key).toBe(`${await installId(db)}-${id}`);
    expect(fake.sent[0]!.key).toMatch(/^[0-9a-f]{16}-\d+$/);
  });

  it('honours retry-after for rate limits and marks permanent failures dead with the error kept', async () => {
    const { db } = t();
    const clock = createClock('2026-11-25T11:00:00Z');
    const fake = flakyAdapter();
    const worker = createOutboxWorker({ db, adapters: [fake.adapter], now: clock.now });
    const a = await enqueue(db, { tenantId: null, platform: 'wecom', target, payload: { op: 'send', message: msg('a') } });
    fake.failNext(new AdapterError('wecom', 'RATE_LIMITED', '45009 api freq out of limit', true, 60_000));
    await worker.drain();
    const [ra] = await db.select().from(outbox).where(eq(outbox.id, a!));
    expect(ra!.nextAttemptAt.getTime()).toBe(clock.now().getTime() + 60_000);
    const b = await enqueue(db, { tenantId: null, platform: 'wecom', target, payload: { op: 'send', message: msg('b') } });
    fake.failNext(new AdapterError('wecom', 'PLATFORM_REJECTED', '60020 not allow to access from your ip', false));
    await worker.drain();
    const [rb] = await db.select().from(outbox).where(eq(outbox.id, b!));
    expect(rb).toMatchObject({ status: 'dead', lastError: 'PLATFORM_REJECTED: 60020 not allow to access from your ip' });
  });

  it('resumes a row claimed by a sender that died before finishing, and two senders never send a row twice', async () => {
    const { db } = t();
    const clock = createClock('2026-11-25T12:00:00Z');
    const fake = flakyAdapter();
    const crashed = createOutboxWorker({ db, adapters: [fake.adapter], now: clock.now, leaseMs: 60_000 });
    const ids: number[] = [];
    for (let i = 0; i < 30; i++) ids.push((await enqueue(db, { tenantId: null, platform: 'wecom', target, payload: { op: 'send', message: msg(`m${i}`) } }))!);
    // The first sender claims a batch and "dies" (never delivers it).
    const claimed = await crashed.claim(5);
    expect(claimed).toHaveLength(5);
    const w1 = createOutboxWorker({ db, adapters: [fake.adapter], now: clock.now });
    const w2 = createOutboxWorker({ db, adapters: [fake.adapter], now: clock.now });
    // (Rows left over by earlier tests in this file may go out too; count only this test's messages.)
    const mine = () => fake.sent.map((s) => (s.message.type === 'text' ? s.message.text : '')).filter((x) => /^m\d+$/.test(x));
    await Promise.all([w1.drain(), w2.drain()]);
    expect(mine()).toHaveLength(25);
    clock.advanceHours(0.02); // past the 60 s lease
    await Promise.all([w1.drain(), w2.drain()]);
    expect(mine()).toHaveLength(30);
    expect(new Set(mine()).size).toBe(30);
  });

  it('records the sent card reference for later in-place updates', async () => {
    const { db } = t();
    const fake = flakyAdapter();
    const worker = createOutboxWorker({ db, adapters: [fake.adapter] });
    const subjectId = '00000000-0000-4000-8000-000000000001';
    const [tenantRow] = await db.execute<{ id: string }>(
      // a tenant for the foreign key
      (await import('drizzle-orm')).sql`insert into tenants (name) values ('卡片测试') returning id`,
    ).then((r) => (Array.isArray(r) ? r : (r as { rows: Array<{ id: string }> }).rows));
    await enqueue(db, {
      tenantId: tenantRow!.id,
      platform: 'wecom',
      target,
      payload: { op: 'send', message: { type: 'card', card: { kind: 'notice', title: 't', state: 'info', fields: [], buttons: [] } } },
      recordAs: { subjectKind: 'approval', subjectId },
    });
    await worker.drain();
    const refs = await db.select().from(sentCards).where(eq(sentCards.subjectId, subjectId));
    expect(refs).toHaveLength(1);
    expect(refs[0]).toMatchObject({ platform: 'wecom', cardRef: 'rc1', messageId: 'm1' });
  });
});
