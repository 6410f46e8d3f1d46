// Bench 1: signed platform callbacks (WeCom encrypted XML, Feishu encrypted JSON, DingTalk signed JSON) carrying
// `/跟进` against the running server with its production dispatch (the inbox), next to a bare fastify route; then
// the time the background loop takes to process everything that was acknowledged.
import Fastify from 'fastify';
import type { RawRequest } from '../../bots/adapter.js';
import { createDingtalkAdapter } from '../../bots/dingtalk/index.js';
import { createFeishuAdapter } from '../../bots/feishu/index.js';
import { createWecomAdapter } from '../../bots/wecom/index.js';
import type { Db } from '../../src/db/client.js';
import { createDbTokenStore } from '../../src/db/token-store.js';
import { createInboxDispatch, drainInbox } from '../../src/inbound/inbox.js';
import { buildApp } from '../../src/server/app.js';
import { TEST_DINGTALK, robotMessage, signedRobotCallback } from '../bots/dingtalk/sign.js';
import { TEST_FEISHU, messageEvent, signedEvent } from '../bots/feishu/sign.js';
import { TEST_WECOM, signedCallback, textXml } from '../bots/wecom/sign.js';
import { closedLoop, fixedRate, type LoadResult, type MakeRequest } from './load.js';

export interface PlatformLoad {
  platform: string;
  max: LoadResult;
  atRate: LoadResult;
}

const PLATFORMS = {
  wecom: { path: '/bots/wecom/callback', make: (text: string, id: string) => signedCallback(textXml('bench', text, id)) },
  feishu: { path: '/bots/feishu/events', make: (text: string, id: string) => signedEvent(messageEvent('bench', text, { eventId: `ev-${id}` })) },
  dingtalk: { path: '/bots/dingtalk/callback', make: (text: string, id: string) => signedRobotCallback(robotMessage('bench', text, { msgId: `msg${id}` })) },
} as const;

export async function benchCallbacks(db: Db, opts: { count: number; concurrency: number; rate: number; seconds: number; platforms: Array<keyof typeof PLATFORMS> }) {
  const store = createDbTokenStore(db);
  const adapters = [createWecomAdapter(TEST_WECOM, { tokenStore: store }), createFeishuAdapter(TEST_FEISHU, { tokenStore: store }), createDingtalkAdapter(TEST_DINGTALK, { tokenStore: store })];
  const deps = { db, defaultTimeZone: 'Asia/Shanghai' };
  const app = await buildApp({ db, adapters, dispatch: createInboxDispatch(deps), logLevel: 'silent' });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  const bare = Fastify({ logger: false });
  bare.addContentTypeParser('*', { parseAs: 'buffer' }, (_r, b, done) => done(null, b));
  bare.post('/bare', async () => '');
  const bareBase = await bare.listen({ host: '127.0.0.1', port: 0 });

  const toFetch = (req: RawRequest, url: string) => ({
    url: Object.keys(req.query).length ? `${url}?${new URLSearchParams(req.query as Record<string, string>)}` : url,
    init: { method: 'POST', headers: req.headers as Record<string, string>, body: req.body },
  });
  let seq = 0;
  const id = () => `77${String(++seq).padStart(14, '0')}`;
  for (const p of opts.platforms) {
    const { path, make } = PLATFORMS[p];
    for (const text of ['/新客户 压测机械有限公司 13800000000', '/新商机 压测机械 压测商机 1万']) {
      const { url, init } = toFetch(make(text, id()), `${base}${path}`);
      await fetch(url, init);
    }
  }
  await drainInbox(db, deps, 100);

  const results: PlatformLoad[] = [];
  let bareMax: LoadResult | undefined;
  let accepted = 0;
  for (const p of opts.platforms) {
    const { path, make } = PLATFORMS[p];
    // Requests are signed before the clock starts: the load generator should not be the bottleneck.
    const total = opts.count + Math.ceil(opts.rate * opts.seconds) + 10;
    const signed = Array.from({ length: total }, (_, i) => make(`/跟进 D-1 压测跟进 ${p} ${i}`, id()));
    let cursor = 0;
    const real: MakeRequest = () => toFetch(signed[cursor++ % signed.length]!, `${base}${path}`);
    bareMax ??= await closedLoop((i) => toFetch(signed[i % signed.length]!, `${bareBase}/bare`), opts.count, opts.concurrency, 30);
    const max = await closedLoop(real, opts.count, opts.concurrency, 60);
    const atRate = await fixedRate(real, opts.rate, opts.seconds);
    accepted += max.requests + atRate.requests;
    results.push({ platform: p, max, atRate });
  }
  // What the callbacks acknowledged, processed by the background loop (two drainers, as one server runs).
  const t0 = performance.now();
  const processed = (await Promise.all([drainInbox(db, deps, 1e9), drainInbox(db, deps, 1e9)])).reduce((a, b) => a + b, 0);
  const processSeconds = (performance.now() - t0) / 1000;
  await app.close();
  await bare.close();
  return { bareMax: bareMax!, results, accepted, processed, processSeconds };
}

export function formatLoad(r: LoadResult) {
  return `${r.rps.toFixed(0)} req/s, p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, ${r.errors} errors / ${r.requests}`;
}
