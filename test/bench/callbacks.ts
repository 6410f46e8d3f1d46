// Bench 1: signed, encrypted WeCom /跟进 callbacks against the running server, next to a bare fastify route.
import Fastify from 'fastify';
import { createWecomAdapter } from '../../bots/wecom/index.js';
import type { Db } from '../../src/db/client.js';
import { createDbTokenStore } from '../../src/db/token-store.js';
import { createDispatch } from '../../src/inbound/dispatch.js';
import { buildApp } from '../../src/server/app.js';
import { TEST_WECOM, signedCallback, textXml } from '../bots/wecom/sign.js';
import { closedLoop, fixedRate, type LoadResult, type MakeRequest } from './load.js';

export async function benchCallbacks(db: Db, opts: { count: number; concurrency: number; rate: number; seconds: number }) {
  const adapter = createWecomAdapter(TEST_WECOM, { tokenStore: createDbTokenStore(db) });
  const app = await buildApp({ db, adapters: [adapter], dispatch: createDispatch({ db, defaultTimeZone: 'Asia/Shanghai' }), logLevel: 'silent' });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  const bare = Fastify({ logger: false });
  bare.addContentTypeParser('*', { parseAs: 'buffer' }, (_r, b, done) => done(null, b));
  bare.post('/bare', async () => '');
  const bareBase = await bare.listen({ host: '127.0.0.1', port: 0 });

  const post = (req: ReturnType<typeof signedCallback>, url: string) => ({
    url: `${url}?${new URLSearchParams(req.query as Record<string, string>)}`,
    init: { method: 'POST', headers: { 'content-type': 'text/xml' }, body: req.body },
  });
  const send = async (text: string) => {
    const { url, init } = post(signedCallback(textXml('bench', text)), `${base}/bots/wecom/callback`);
    await fetch(url, init);
  };
  await send('/新客户 压测机械有限公司 13800000000');
  await send('/新商机 压测机械 压测商机 1万');

  // Requests are signed before the clock starts: the load generator should not be the bottleneck.
  const total = opts.count + Math.ceil(opts.rate * opts.seconds) + 10;
  const signed = Array.from({ length: total }, (_, i) => signedCallback(textXml('bench', `/跟进 D-1 压测跟进 ${i}`, `88${String(i).padStart(12, '0')}`)));
  let cursor = 0;
  const wecom: MakeRequest = () => post(signed[cursor++ % signed.length]!, `${base}/bots/wecom/callback`);
  const bareReq: MakeRequest = (i) => post(signed[i % signed.length]!, `${bareBase}/bare`);

  const bareMax = await closedLoop(bareReq, opts.count, opts.concurrency, 30);
  const wecomMax = await closedLoop(wecom, opts.count, opts.concurrency, 60);
  const wecomRate = await fixedRate(wecom, opts.rate, opts.seconds);
  await app.close();
  await bare.close();
  return { bareMax, wecomMax, wecomRate };
}

export function formatLoad(r: LoadResult) {
  return `${r.rps.toFixed(0)} req/s, p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, ${r.errors} errors / ${r.requests}`;
}
