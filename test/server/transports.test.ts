// What /readyz and the start-up log say about each way in: webhook routes listen, long connections report their
// watchdog's state; adapters with neither (nothing comes in) are not listed.
import { describe, expect, it } from 'vitest';
import type { ChatAdapter } from '../../src/adapter.js';
import { describeTransports, transportStatuses } from '../../src/server/transports.js';

const adapter = (a: Partial<ChatAdapter>): ChatAdapter => ({ platform: 'wecom', httpRoutes: [], send: async () => ({}), updateCard: async () => {}, ...a });

describe('transport statuses', () => {
  it('lists webhooks as listening and long connections with their state, for /readyz and the start-up log', () => {
    const statuses = transportStatuses([
      adapter({ httpRoutes: [{ method: 'POST', path: '/bots/wecom/callback', handle: async () => ({ status: 200, body: '' }) }] }),
      adapter({ status: () => [{ transport: 'wecom-robot', mode: 'long connection', state: 'connecting' }] }),
      adapter({ platform: 'dingtalk', status: () => [{ transport: 'dingtalk stream', mode: 'long connection', state: 'down', downSince: '2026-12-03T08:00:00.000Z', attempts: 3 }] }),
      adapter({ platform: 'feishu' }),
    ]);
    expect(statuses).toEqual([
      { transport: 'wecom', mode: 'webhook', state: 'listening' },
      { transport: 'wecom-robot', mode: 'long connection', state: 'connecting' },
      { transport: 'dingtalk stream', mode: 'long connection', state: 'down', downSince: '2026-12-03T08:00:00.000Z', attempts: 3 },
    ]);
    expect(describeTransports(statuses)).toBe('wecom (webhook): listening; wecom-robot (长连接 long connection): connecting; dingtalk stream (长连接 long connection): down');
  });
});
