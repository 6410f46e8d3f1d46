// Bench 4: queued messages through the WeCom adapter to a fake API holding a per-app rate limit.
import { createWecomAdapter } from '../../bots/wecom/index.js';
import type { Db } from '../../src/db/client.js';
import { createDbTokenStore } from '../../src/db/token-store.js';
import { enqueue } from '../../src/outbox/enqueue.js';
import { createOutboxWorker } from '../../src/outbox/worker.js';
import { startFakeWecom } from '../fakes/wecom-api.js';
import { TEST_WECOM } from '../bots/wecom/sign.js';

export async function benchOutbox(db: Db, count: number, ratePerSecond: number) {
  const fake = await startFakeWecom({ corpId: TEST_WECOM.corpId, secret: TEST_WECOM.secret, agentId: TEST_WECOM.agentId });
  const adapter = createWecomAdapter({ ...TEST_WECOM, apiBase: fake.baseUrl }, { tokenStore: createDbTokenStore(db) });
  for (let i = 0; i < count; i++) {
    await enqueue(db, { tenantId: null, platform: 'wecom', target: { tenantKey: TEST_WECOM.corpId, kind: 'user', id: `u${i % 50}` }, payload: { op: 'send', message: { type: 'text', text: `消息 ${i}` } } });
  }
  // Two senders share the work, as two server instances would; each holds its own limiter, so each gets half.
  const half = ratePerSecond / 2;
  const senders = [0, 1].map(() => createOutboxWorker({ db, adapters: [adapter], ratePerSecond: { wecom: half }, batchSize: 10 }));
  const t0 = performance.now();
  await Promise.all(senders.map((s) => s.drain()));
  const seconds = (performance.now() - t0) / 1000;
  const texts = fake.sends().map((r) => (r.body as { text?: { content?: string } }).text?.content);
  await fake.close();
  return { count, delivered: texts.length, unique: new Set(texts).size, seconds, expected: count / ratePerSecond, rate: texts.length / seconds };
}
