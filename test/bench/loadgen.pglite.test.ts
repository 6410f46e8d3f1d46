// The benchmark's load generator: every request arrives signed and distinct (DingTalk gets one timestamp per
// request, since a (timestamp, sign) pair is accepted once), counts and errors are what the server saw, and it
// refuses anything but loopback. No database: runs once, on the pglite project.
import Fastify from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyDingtalkSign } from '../../bots/dingtalk/verify.js';
import { TEST_DINGTALK } from '../bots/dingtalk/sign.js';
import { closedLoop } from './load.js';
import { runJob, signFor, toFetch } from './loadgen.js';

describe('bench load generator', () => {
  const app = Fastify({ logger: false });
  const seen: Array<{ timestamp: string; sign: string; msgId: string; text: string }> = [];
  let failEvery = 0;
  app.post('/cb', async (req, reply) => {
    const body = req.body as { msgId: string; text: { content: string } };
    seen.push({ timestamp: String(req.headers.timestamp), sign: String(req.headers.sign), msgId: body.msgId, text: body.text.content });
    if (failEvery && seen.length % failEvery === 0) return reply.code(503).send('busy');
    return '';
  });
  const base = app.listen({ host: '127.0.0.1', port: 0 });
  afterAll(() => app.close());

  it('sends every DingTalk request once, validly signed, each with its own timestamp, below the given one', async () => {
    const url = `${await base}/cb`;
    const below = Date.now() - 5000;
    const r = await runJob({ platform: 'dingtalk', url, tag: 'lg', text: '/跟进 {name} 第{i}次', users: ['u1', 'u2'], names: ['甲厂', '乙厂'], mode: { kind: 'closed', count: 60, concurrency: 4, maxSeconds: 30 }, warmup: 10, dingtalkBelow: below });
    expect(r).toMatchObject({ requests: 60, errors: 0 });
    expect(seen).toHaveLength(70);
    expect(new Set(seen.map((s) => s.timestamp)).size).toBe(70);
    expect(new Set(seen.map((s) => s.msgId)).size).toBe(70);
    expect(Math.max(...seen.map((s) => Number(s.timestamp)))).toBeLessThan(below);
    expect(r.dingtalkLowest).toBe(Math.min(...seen.map((s) => Number(s.timestamp))));
    for (const s of seen) expect(verifyDingtalkSign(s.timestamp, s.sign, TEST_DINGTALK.clientSecret)).toBe(true);
    // Request i (warm-up included) carries i and the name of its user, users[i % 2].
    expect(new Set(seen.map((s) => s.text))).toEqual(new Set(Array.from({ length: 70 }, (_, i) => `/跟进 ${i % 2 ? '乙厂' : '甲厂'} 第${i}次`)));
  });

  it('counts non-200 answers as errors', async () => {
    seen.length = 0;
    failEvery = 4;
    const url = `${await base}/cb`;
    const reqs = Array.from({ length: 20 }, (_, i) => toFetch(signFor('dingtalk', 'u', `x${i}`, 'err'), url));
    const r = await closedLoop((i) => reqs[i]!, 20, 2, 30);
    failEvery = 0;
    expect(r).toMatchObject({ requests: 20, errors: 5 });
    expect(seen).toHaveLength(20);
  });

  it('targets loopback only', async () => {
    const req = toFetch(signFor('wecom', 'u', 'x', 'lb'), 'http://example.com/cb');
    await expect(closedLoop(() => req, 1, 1, 1)).rejects.toThrow('loopback only');
  });
});
