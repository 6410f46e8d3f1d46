// The long-connection watchdog on the code's clock: silence past the bound drops and reconnects, retries back off
// with jitter, an outage past a minute is logged once (and its end once), and a replaced connection stays down.
import { describe, expect, it } from 'vitest';
import { backoffDelay, createWatchdog } from '../../bots/watchdog.js';

function harness(o: { silenceMs?: number } = {}) {
  let t = Date.parse('2026-12-03T08:00:00Z');
  const calls: string[] = [];
  const logs: Array<{ level: string; msg?: string; obj: any }> = [];
  const dog = createWatchdog({
    transport: 'test ws',
    silenceMs: o.silenceMs ?? 1000,
    connect: () => void calls.push('connect'),
    drop: () => void calls.push('drop'),
    baseMs: 1000,
    maxMs: 8000,
    now: () => t,
    random: () => 0.5,
    log: { info: (obj, msg) => void logs.push({ level: 'info', obj, ...(msg ? { msg } : {}) }), warn: (obj, msg) => void logs.push({ level: 'warn', obj, ...(msg ? { msg } : {}) }) },
  });
  return { dog, calls, logs, advance: (ms: number) => (t += ms), at: () => new Date(t).toISOString() };
}

describe('long-connection watchdog', () => {
  it('backs off exponentially with full jitter, capped', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, 1000, 8000, () => 0))).toEqual([500, 1000, 2000, 4000, 4000, 4000]);
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, 1000, 8000, () => 1))).toEqual([1000, 2000, 4000, 8000, 8000, 8000]);
  });

  it('drops a connection that went silent past the bound, and frames keep it alive', () => {
    const h = harness();
    h.dog.start();
    h.dog.opened();
    h.advance(900);
    h.dog.frame();
    h.advance(900);
    h.dog.check();
    expect(h.dog.status()).toMatchObject({ transport: 'test ws', mode: 'long connection', state: 'open', lastFrameAt: new Date(Date.parse(h.at()) - 900).toISOString() });
    h.advance(200);
    h.dog.check();
    expect(h.calls).toEqual(['drop']);
    expect(h.dog.status()).toMatchObject({ state: 'down', attempts: 1, downSince: h.at() });
    h.dog.stop();
  });

  it('logs an outage longer than a minute once, however many retries, and its end once', () => {
    const h = harness();
    h.dog.start();
    h.dog.opened();
    h.dog.lost('closed');
    for (let i = 0; i < 20; i++) {
      h.advance(10_000);
      h.dog.check();
      h.dog.lost('refused'); // every retry fails
    }
    expect(h.logs.filter((l) => l.level === 'warn').map((l) => l.msg)).toEqual([expect.stringMatching(/长连接已断开超过 60 秒/)]);
    // The start of the outage once, at info level, with its first reason.
    expect(h.logs.filter((l) => l.level === 'info')).toEqual([{ level: 'info', obj: { transport: 'test ws', reason: 'closed' }, msg: 'long connection lost: reconnecting' }]);
    expect(h.dog.status()).toMatchObject({ state: 'down', attempts: 21 });
    h.dog.opened();
    expect(h.logs.filter((l) => l.level === 'warn').map((l) => l.msg)).toEqual([expect.stringMatching(/断开超过/), expect.stringMatching(/已恢复/)]);
    expect(h.dog.status()).toEqual({ transport: 'test ws', mode: 'long connection', state: 'open' });
    h.dog.stop();
  });

  it('logs nothing for a short outage, and a replaced connection is not taken back', () => {
    const h = harness();
    h.dog.start();
    h.dog.opened();
    h.dog.lost('closed');
    h.advance(5000);
    h.dog.opened();
    expect(h.logs.filter((l) => l.level === 'warn')).toEqual([]);
    h.dog.replaced();
    h.dog.lost('closed');
    h.advance(120_000);
    h.dog.check();
    expect(h.dog.status().state).toBe('replaced');
    expect(h.calls).toEqual(['drop']); // only the first outage's
    h.dog.stop();
  });
});
