import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatAdapter } from '../../../src/adapter.js';
import { createDingtalkAdapter } from '../../../bots/dingtalk/index.js';
import { buildDigestCard } from '../../../cards/digest-card.js';
import { createDbTokenStore } from '../../../src/db/token-store.js';
import { startFakeDingtalk, type FakeDingtalk } from '../../fakes/dingtalk-api.js';
import { testDriver, useTestDb } from '../../helpers/db.js';
import { TEST_DINGTALK, staffId } from './sign.js';

describe(`DingTalk OpenAPI calls (${testDriver()})`, () => {
  const t = useTestDb();
  let fake: FakeDingtalk;
  let adapter: ChatAdapter;
  const to = { tenantKey: 'corp', kind: 'user' as const, id: staffId('李四') };

  beforeAll(async () => {
    fake = await startFakeDingtalk({ appKey: TEST_DINGTALK.clientId, appSecret: TEST_DINGTALK.clientSecret, robotCode: TEST_DINGTALK.robotCode });
    adapter = createDingtalkAdapter({ ...TEST_DINGTALK, apiBase: fake.baseUrl, oapiBase: fake.baseUrl }, { tokenStore: createDbTokenStore(t().db) });
  });
  afterAll(async () => fake?.close());

  it('sends with one token shared through the database, msgParam as a JSON string', async () => {
    await adapter.send(to, { type: 'text', text: '你好' });
    const other = createDingtalkAdapter({ ...TEST_DINGTALK, apiBase: fake.baseUrl }, { tokenStore: createDbTokenStore(t().db) });
    await other.send(to, { type: 'text', text: '另一个实例' });
    expect(fake.tokenCalls()).toBe(1);
    const last = fake.sends().at(-1)!;
    expect(last.body).toMatchObject({ robotCode: TEST_DINGTALK.robotCode, userIds: [to.id], msgKey: 'sampleText' });
    expect(JSON.parse(last.body.msgParam)).toEqual({ content: '另一个实例' });
  });

  it('sends a PDF uploaded through oapi media/upload as a sampleFile message, to a user and to a group', async () => {
    const bytes = Buffer.from('%PDF-1.7 报价单 test bytes \u0000\u00ff', 'utf8');
    const file = { type: 'file' as const, fileName: '报价单-Q-3.pdf', mimeType: 'application/pdf' as const, base64: bytes.toString('base64') };
    await adapter.send(to, file);
    await adapter.send({ tenantKey: 'corp', kind: 'group', id: 'cidGroup1' }, file);
    expect(fake.files.map((f) => [f.to, f.fileName, f.fileType])).toEqual([[to.id, '报价单-Q-3.pdf', 'pdf'], ['cidGroup1', '报价单-Q-3.pdf', 'pdf']]);
    expect(fake.files.every((f) => f.bytes.equals(bytes))).toBe(true);
  });

  it('refreshes the token once on InvalidAuthentication', async () => {
    fake.failNext('token_expired');
    const calls = fake.tokenCalls();
    await adapter.send(to, { type: 'text', text: '换令牌' });
    expect(fake.tokenCalls()).toBe(calls + 1);
    expect(JSON.parse(fake.sends().at(-1)!.body.msgParam).content).toBe('换令牌');
  });

  it('maps throttling, flow control and outages to retryable errors', async () => {
    fake.failNext('rate_limited');
    await expect(adapter.send(to, { type: 'text', text: 'x' })).rejects.toMatchObject({ code: 'RATE_LIMITED', retryable: true });
    fake.failNext('flow_controlled');
    await expect(adapter.send(to, { type: 'text', text: 'x' })).rejects.toMatchObject({ code: 'RATE_LIMITED', retryable: true });
    fake.failNext('http_500');
    await expect(adapter.send(to, { type: 'text', text: 'x' })).rejects.toMatchObject({ code: 'NETWORK', retryable: true });
    await expect(adapter.send({ ...to, kind: 'group', id: 'not-a-cid' }, { type: 'text', text: 'x' })).rejects.toMatchObject({ retryable: false });
    const wrong = createDingtalkAdapter({ ...TEST_DINGTALK, clientId: 'dingwrongwrong0000', apiBase: fake.baseUrl }, { tokenStore: createDbTokenStore(t().db) });
    await expect(wrong.send(to, { type: 'text', text: 'x' })).rejects.toMatchObject({ code: 'AUTH_FAILED', retryable: false });
  });

  it('posts a digest card to a group as markdown within 15,000 bytes', async () => {
    const card = buildDigestCard({
      teamName: '华东一组', date: '11-25', pipeline: [{ stage: '线索', count: 3, amountFen: 100 }],
      moved: { newDeals: 1, stageChanges: 0, won: 0, lost: 0, wonFen: 0 },
      overdue: Array.from({ length: 3000 }, (_, i) => ({ owner: `销售员${i}`, count: 1 })), approvalsWaiting: 0, conversion: [], avgCycleDays: null,
    });
    await adapter.send({ tenantKey: 'corp', kind: 'group', id: 'cid_team_1' }, { type: 'card', card });
    const last = fake.sends().at(-1)!;
    expect(last.path).toBe('/v1.0/robot/groupMessages/send');
    expect(last.body.msgKey).toBe('sampleMarkdown');
    expect(Buffer.byteLength(last.body.msgParam)).toBeLessThanOrEqual(15_000);
    expect(JSON.parse(last.body.msgParam).text).toContain('华东一组');
  });
});
