// Acknowledgements first: a drainer's turn waits while a platform callback is being answered, and only then —
// or after the cap — starts its next message. Other routes do not count. No database: runs once, on pglite.
import Fastify from 'fastify';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ackPriority } from '../../src/server/ack-priority.js';

function app() {
  const server = Fastify({ logger: false });
  server.addContentTypeParser('*', { parseAs: 'buffer' }, (_r, b, done) => done(null, b));
  const gates: Array<() => void> = [];
  const hold = () => new Promise<void>((r) => gates.push(r));
  server.post('/bots/wecom/callback', async () => (await hold(), 'success'));
  server.post('/admin/import', async () => (await hold(), 'ok'));
  server.post('/bots/feishu/events', async () => {
    throw new Error('boom');
  });
  const acks = ackPriority(server, { maxWaitMs: 20 });
  return { server, acks, gates };
}

// inject() without a callback is lazy: it starts when something awaits it.
const start = <T>(chain: PromiseLike<T>): Promise<T> => Promise.resolve(chain);
const state = (p: Promise<void>) => Promise.race([p.then(() => 'done'), new Promise((r) => setImmediate(() => r('waiting')))]);

describe('acknowledgements before drainer work', () => {
  afterEach(() => vi.useRealTimers());

  it('holds a turn while a callback is answered and lets it go when the answer is sent', async () => {
    const { server, acks, gates } = app();
    expect(acks.turn()).toBeUndefined();
    const answer = start(server.inject({ method: 'POST', url: '/bots/wecom/callback?msg_signature=x', payload: '<xml/>' }));
    await vi.waitUntil(() => gates.length === 1);
    expect(acks.inFlight()).toBe(1);
    const turn = acks.turn()!;
    expect(turn).toBeInstanceOf(Promise);
    expect(await state(turn)).toBe('waiting');
    gates[0]!();
    expect((await answer).body).toBe('success');
    expect(await state(turn)).toBe('done');
    expect(acks.inFlight()).toBe(0);
    expect(acks.turn()).toBeUndefined();
    await server.close();
  });

  it('does not count other routes, and a failed callback still ends its turn', async () => {
    const { server, acks, gates } = app();
    const admin = start(server.inject({ method: 'POST', url: '/admin/import', payload: 'x' }));
    await vi.waitUntil(() => gates.length === 1);
    expect(acks.inFlight()).toBe(0);
    expect(acks.turn()).toBeUndefined();
    gates[0]!();
    await admin;
    const failed = await server.inject({ method: 'POST', url: '/bots/feishu/events', payload: '{}' });
    expect(failed.statusCode).toBe(500);
    expect(acks.inFlight()).toBe(0);
    await server.close();
  });

  it('waits at most maxWaitMs under a callback that takes long', async () => {
    const { server, acks, gates } = app();
    const answer = start(server.inject({ method: 'POST', url: '/bots/wecom/callback', payload: '<xml/>' }));
    await vi.waitUntil(() => gates.length === 1);
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const turn = acks.turn()!;
    vi.advanceTimersByTime(19);
    expect(await state(turn)).toBe('waiting');
    vi.advanceTimersByTime(1);
    expect(await state(turn)).toBe('done');
    expect(acks.inFlight()).toBe(1); // the callback itself is still being answered
    vi.useRealTimers();
    gates[0]!();
    await answer;
    expect(acks.inFlight()).toBe(0);
    await server.close();
  });
});
