// The digest's chart picture through each adapter, against the fake platform APIs: WeCom (app: image upload +
// image message; group robot: base64 + md5), the WeCom smart robot (chunked image upload + image message), DingTalk
// (oapi media/upload type image + sampleImageMsg with the media id) — each checked for token, shape and size limit —
// and what happens when the upload fails (retryable) or the picture is over the platform's limit (refused for good,
// nothing sent). Feishu draws the chart in its card and refuses a picture; the console saves it.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutboundMessage } from '../../src/adapter.js';
import { createConsoleAdapter } from '../../bots/console/adapter.js';
import { takeMailbox } from '../../bots/console/mailbox.js';
import { createDingtalkAdapter } from '../../bots/dingtalk/index.js';
import { createFeishuAdapter } from '../../bots/feishu/index.js';
import { createWecomRobotAdapter } from '../../bots/wecom-robot/adapter.js';
import { createWecomAdapter } from '../../bots/wecom/index.js';
import type { TokenStore } from '../../bots/token-cache.js';
import { DINGTALK_LIMITS } from '../../cards/dingtalk/limits.js';
import { WECOM_LIMITS } from '../../cards/wecom/limits.js';
import { renderChartPng } from '../../src/documents/digest-chart.js';
import { startFakeDingtalk, type FakeDingtalk } from '../fakes/dingtalk-api.js';
import { startFakeFeishu, type FakeFeishu } from '../fakes/feishu-api.js';
import { startFakeRobotGateway } from '../fakes/wecom-robot-gateway.js';
import { startFakeWecom, type FakeWecom } from '../fakes/wecom-api.js';
import { TEST_ROBOT } from '../helpers/server.js';
import { pngSize } from '../helpers/png.js';
import { TEST_DINGTALK, staffId } from './dingtalk/sign.js';
import { TEST_FEISHU } from './feishu/sign.js';
import { TEST_WECOM } from './wecom/sign.js';

const memoryStore = (): TokenStore => {
  const m = new Map<string, { token: string; expiresAt: Date }>();
  return { get: async (k) => m.get(k), put: async (k, token, expiresAt) => void m.set(k, { token, expiresAt }) };
};

let png: Buffer;
let image: Extract<OutboundMessage, { type: 'image' }>;
/** A PNG-signed picture of `n` bytes: over a platform's limit, still an image to the fake. */
const oversized = (n: number): Extract<OutboundMessage, { type: 'image' }> => ({
  type: 'image', fileName: '战报.png', mimeType: 'image/png', base64: Buffer.concat([png.subarray(0, 8), Buffer.alloc(n - 8, 1)]).toString('base64'),
});

beforeAll(async () => {
  const chart = { bars: [{ label: '线索', count: 3, amountFen: 1 }], trend: [{ day: '11-24', newDeals: 1, followUps: 2, won: 0 }, { day: '11-25', newDeals: 2, followUps: 1, won: 1 }] };
  png = (await renderChartPng(chart, '华东销售部 每日战报')).png;
  image = { type: 'image', fileName: '战报-2026-11-25.png', mimeType: 'image/png', base64: png.toString('base64') };
});

describe('WeCom self-built app and group robot: the chart picture', () => {
  let fake: FakeWecom;
  const config = { ...TEST_WECOM };
  beforeAll(async () => {
    fake = await startFakeWecom({ corpId: config.corpId, secret: config.secret, agentId: config.agentId, webhookKeys: ['robot-key-1'] });
    config.apiBase = fake.baseUrl;
  });
  afterAll(() => fake.close());

  it('uploads it as an image and sends an image message to a user; a group robot gets it inline with its md5', async () => {
    const adapter = createWecomAdapter(config, { tokenStore: memoryStore() });
    await adapter.send({ tenantKey: config.corpId, kind: 'user', id: 'lisi' }, image, { idempotencyKey: 'outbox-31' });
    const upload = fake.received.find((r) => r.path === '/cgi-bin/media/upload')!;
    expect(upload.query).toMatchObject({ type: 'image', access_token: expect.any(String) });
    expect(fake.sends().at(-1)!.body).toMatchObject({ touser: 'lisi', msgtype: 'image', agentid: config.agentId, image: { media_id: expect.stringMatching(/^media-/) } });
    await adapter.send({ tenantKey: config.corpId, kind: 'webhook', id: '华东群' }, image);
    const hook = fake.received.filter((r) => r.path === '/cgi-bin/webhook/send').at(-1)!;
    expect(hook.query.key).toBe('robot-key-1');
    expect((hook.body as any).image.md5).toMatch(/^[0-9a-f]{32}$/);
    expect(fake.images.map((i) => i.to)).toEqual(['lisi', 'webhook:robot-key-1']);
    for (const i of fake.images) {
      expect(i.bytes.equals(png)).toBe(true);
      expect(pngSize(i.bytes)).toEqual({ width: 1080, height: 780 });
    }
  });

  it('a failed upload is retryable; a picture over the robot limit is refused for good without a call', async () => {
    const adapter = createWecomAdapter(config, { tokenStore: memoryStore() });
    fake.failImages(1);
    await expect(adapter.send({ tenantKey: config.corpId, kind: 'user', id: 'lisi' }, image)).rejects.toMatchObject({ code: 'NETWORK', retryable: true });
    fake.failImages(1);
    await expect(adapter.send({ tenantKey: config.corpId, kind: 'webhook', id: '华东群' }, image)).rejects.toMatchObject({ retryable: true });
    const calls = fake.received.length;
    await expect(adapter.send({ tenantKey: config.corpId, kind: 'webhook', id: '华东群' }, oversized(WECOM_LIMITS.robotImageBytes + 1))).rejects.toMatchObject({ code: 'PLATFORM_REJECTED', retryable: false });
    expect(fake.received.length).toBe(calls);
    // The fake holds the documented 2 MB too: at the limit it is taken.
    await adapter.send({ tenantKey: config.corpId, kind: 'webhook', id: '华东群' }, oversized(WECOM_LIMITS.robotImageBytes));
    expect(fake.images.at(-1)!.bytes.length).toBe(WECOM_LIMITS.robotImageBytes);
  });
});

describe('WeCom smart robot: the chart picture over the connection', () => {
  it('uploads it as an image in chunks and sends an image message', async () => {
    const gateway = await startFakeRobotGateway(TEST_ROBOT);
    const adapter = createWecomRobotAdapter({ botId: TEST_ROBOT.botId, secret: TEST_ROBOT.secret, wsUrl: gateway.url, tenantKey: 'wecom' }, {});
    try {
      await adapter.start!(async () => ({}));
      await gateway.connected();
      await adapter.send({ tenantKey: 'wecom', kind: 'group', id: 'wrGroup1' }, image);
      const [sent] = gateway.images();
      expect(sent).toMatchObject({ to: 'wrGroup1', type: 'image', filename: '战报-2026-11-25.png' });
      expect(sent!.bytes.equals(png)).toBe(true);
      const frames = gateway.frames.length;
      await expect(adapter.send({ tenantKey: 'wecom', kind: 'group', id: 'wrGroup1' }, oversized(WECOM_LIMITS.robotImageBytes + 1))).rejects.toMatchObject({ retryable: false });
      expect(gateway.frames.length).toBe(frames);
    } finally {
      await adapter.stop!();
      await gateway.close();
    }
  });
});

describe('DingTalk: the chart picture', () => {
  let fake: FakeDingtalk;
  beforeAll(async () => {
    fake = await startFakeDingtalk({ appKey: TEST_DINGTALK.clientId, appSecret: TEST_DINGTALK.clientSecret, robotCode: TEST_DINGTALK.robotCode });
  });
  afterAll(async () => fake?.close());

  it('uploads it as an image and sends sampleImageMsg whose photoURL is the media id, to a group and a user', async () => {
    const adapter = createDingtalkAdapter({ ...TEST_DINGTALK, apiBase: fake.baseUrl, oapiBase: fake.baseUrl }, { tokenStore: memoryStore() });
    await adapter.send({ tenantKey: 'corp', kind: 'group', id: 'cidGroup1' }, image);
    await adapter.send({ tenantKey: 'corp', kind: 'user', id: staffId('李四') }, image);
    const sends = fake.sends().slice(-2);
    for (const s of sends) {
      expect(s.body).toMatchObject({ robotCode: TEST_DINGTALK.robotCode, msgKey: 'sampleImageMsg' });
      expect(JSON.parse(s.body.msgParam)).toEqual({ photoURL: expect.stringMatching(/^@lA/) });
      expect(s.headers['x-acs-dingtalk-access-token']).toEqual(expect.any(String));
    }
    expect(fake.images.map((i) => i.to)).toEqual(['cidGroup1', staffId('李四')]);
    expect(fake.images.every((i) => i.bytes.equals(png))).toBe(true);
  });

  it('a failed upload is retryable and sends nothing; a picture over 1 MB is refused for good without a call', async () => {
    const adapter = createDingtalkAdapter({ ...TEST_DINGTALK, apiBase: fake.baseUrl, oapiBase: fake.baseUrl }, { tokenStore: memoryStore() });
    const before = fake.sends().length;
    fake.failImages(1);
    await expect(adapter.send({ tenantKey: 'corp', kind: 'group', id: 'cidGroup1' }, image)).rejects.toMatchObject({ code: 'NETWORK', retryable: true });
    expect(fake.sends().length).toBe(before);
    const calls = fake.received.length;
    await expect(adapter.send({ tenantKey: 'corp', kind: 'group', id: 'cidGroup1' }, oversized(DINGTALK_LIMITS.imageBytes + 1))).rejects.toMatchObject({ code: 'PLATFORM_REJECTED', retryable: false });
    expect(fake.received.length).toBe(calls);
  });
});

describe('Feishu and the console: no picture, or a saved one', () => {
  let fake: FakeFeishu;
  beforeAll(async () => {
    fake = await startFakeFeishu({ appId: TEST_FEISHU.appId, appSecret: TEST_FEISHU.appSecret });
  });
  afterAll(async () => fake?.close());

  it('Feishu refuses a picture for good (its chart is in the card) and calls nothing', async () => {
    const adapter = createFeishuAdapter({ ...TEST_FEISHU, domain: fake.baseUrl }, { tokenStore: memoryStore() });
    await expect(adapter.send({ tenantKey: 'tk', kind: 'group', id: 'oc_1' }, image)).rejects.toMatchObject({ code: 'PLATFORM_REJECTED', retryable: false });
    expect(fake.received).toHaveLength(0);
  });

  it('the console saves the picture and keeps its mailbox entry small', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'chatcrm-console-'));
    try {
      const adapter = createConsoleAdapter({ mailboxDir: dir });
      await adapter.send({ tenantKey: 'console', kind: 'group', id: '华东群' }, image);
      const [entry] = takeMailbox(dir, '华东群');
      if (entry?.kind !== 'message' || !entry.savedAs) throw new Error('expected a saved picture');
      expect(entry.message).toMatchObject({ type: 'image', base64: '' });
      expect(readFileSync(entry.savedAs).equals(png)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
