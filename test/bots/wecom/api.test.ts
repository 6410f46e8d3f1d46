import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdapterError } from '../../../src/adapter.js';
import { createWecomAdapter } from '../../../bots/wecom/index.js';
import type { TokenStore } from '../../../bots/token-cache.js';
import { buildApprovalCard } from '../../../cards/approval-card.js';
import { buildChoiceCard } from '../../../cards/choice-card.js';
import { startFakeWecom, type FakeWecom } from '../../fakes/wecom-api.js';
import { TEST_WECOM } from './sign.js';

const memoryStore = (): TokenStore => {
  const m = new Map<string, { token: string; expiresAt: Date }>();
  return { get: async (k) => m.get(k), put: async (k, token, expiresAt) => void m.set(k, { token, expiresAt }) };
};

const card = buildApprovalCard({
  approvalId: 'A-7', customerName: '华东阀门', dealId: 'D-3', dealTitle: '球阀', amountFen: 8_600_000, discountPercent: 6,
  repName: '张三', note: '', status: 'pending', steps: [{ roleLabel: '财务', approverName: '李四', status: 'pending' }], timeZone: 'Asia/Shanghai',
});

describe('WeCom outbound API against a local fake', () => {
  let fake: FakeWecom;
  const config = { ...TEST_WECOM };
  beforeAll(async () => {
    fake = await startFakeWecom({ corpId: config.corpId, secret: config.secret, agentId: config.agentId, webhookKeys: ['robot-key-1'] });
    config.apiBase = fake.baseUrl;
  });
  afterAll(() => fake.close());

  it('sends text, markdown and an approval card with one cached token, and updates the card for everyone', async () => {
    const adapter = createWecomAdapter(config, { tokenStore: memoryStore() });
    await adapter.send({ tenantKey: config.corpId, kind: 'user', id: 'lisi' }, { type: 'text', text: '你好' });
    await adapter.send({ tenantKey: config.corpId, kind: 'user', id: 'lisi' }, { type: 'markdown', title: '待办', text: '- D-3' });
    const ref = await adapter.send({ tenantKey: config.corpId, kind: 'user', id: 'lisi' }, { type: 'card', card }, { idempotencyKey: 'outbox-9' });
    expect(fake.tokenCalls()).toBe(1);
    const sent = fake.sends().at(-1)!.body as any;
    expect(sent).toMatchObject({ touser: 'lisi', msgtype: 'template_card', agentid: config.agentId, enable_duplicate_check: 1 });
    expect(sent.template_card.button_list.map((b: any) => b.text)).toEqual(['批准', '驳回']);
    expect(JSON.parse(sent.template_card.button_list[0].key)).toMatchObject({ a: 'approve', id: 'A-7' });
    expect(ref.cardRef).toMatch(/^[0-9a-f]{24}$/);
    await adapter.updateCard(ref.cardRef!, buildApprovalCard({ ...cardInput(), status: 'approved' }));
    const update = fake.received.at(-1)!;
    expect(update.path).toBe('/cgi-bin/message/update_template_card');
    expect(update.body).toMatchObject({ atall: 1, response_code: ref.cardRef, button: { replace_name: expect.stringContaining('已批准') } });
    // A response code is single-use: a second update is refused as the real API does.
    await expect(adapter.updateCard(ref.cardRef!, card)).rejects.toMatchObject({ code: 'PLATFORM_REJECTED', retryable: false });
  });

  it('sends a choice of more options than a template card has buttons as markdown listing every option', async () => {
    const adapter = createWecomAdapter(config, { tokenStore: memoryStore() });
    const options = Array.from({ length: 9 }, (_, i) => ({ label: `永固${i + 1}厂`, command: `/查看 C-${i + 1}` }));
    await adapter.send({ tenantKey: config.corpId, kind: 'user', id: 'lisi' }, { type: 'card', card: buildChoiceCard({ question: '有 9 个客户叫「永固」，你指的是：', options }) });
    const nine = fake.sends().at(-1)!.body as any;
    expect(nine.msgtype).toBe('markdown');
    for (let i = 1; i <= 9; i++) expect(nine.markdown.content).toContain(`${i}. 永固${i}厂`);
    expect(nine.markdown.content).toContain('9：`/查看 C-9`');
    // Six fit: a template card with a button each.
    await adapter.send({ tenantKey: config.corpId, kind: 'user', id: 'lisi' }, { type: 'card', card: buildChoiceCard({ question: '选一个：', options: options.slice(0, 6) }) });
    const six = fake.sends().at(-1)!.body as any;
    expect(six.msgtype).toBe('template_card');
    expect(six.template_card.button_list.map((b: any) => b.text)).toEqual(['1', '2', '3', '4', '5', '6']);
  });

  it('sends a PDF as a temporary media upload and a file message, to a user and through a group robot', async () => {
    const adapter = createWecomAdapter(config, { tokenStore: memoryStore() });
    const bytes = Buffer.from('%PDF-1.7 报价单 test bytes \u0000\u00ff', 'utf8');
    const file = { type: 'file' as const, fileName: '报价单-Q-3-华东五金.pdf', mimeType: 'application/pdf' as const, base64: bytes.toString('base64') };
    await adapter.send({ tenantKey: config.corpId, kind: 'user', id: 'lisi' }, file, { idempotencyKey: 'outbox-12' });
    await adapter.send({ tenantKey: config.corpId, kind: 'webhook', id: '华东群' }, file);
    expect(fake.files.map((f) => [f.to, f.fileName])).toEqual([['lisi', '报价单-Q-3-华东五金.pdf'], ['webhook:robot-key-1', '报价单-Q-3-华东五金.pdf']]);
    expect(fake.files.every((f) => f.bytes.equals(bytes))).toBe(true);
  });

  it('refreshes an expired token once and retries; maps rate limits and 5xx to retryable errors', async () => {
    const adapter = createWecomAdapter(config, { tokenStore: memoryStore() });
    await adapter.send({ tenantKey: config.corpId, kind: 'user', id: 'u1' }, { type: 'text', text: 'a' });
    const before = fake.tokenCalls();
    fake.expireTokens();
    await adapter.send({ tenantKey: config.corpId, kind: 'user', id: 'u1' }, { type: 'text', text: 'b' });
    expect(fake.tokenCalls()).toBe(before + 1);
    fake.failNext('rate_limited');
    const rate = await adapter.send({ tenantKey: config.corpId, kind: 'user', id: 'u1' }, { type: 'text', text: 'c' }).catch((e) => e);
    expect(rate).toBeInstanceOf(AdapterError);
    expect(rate).toMatchObject({ code: 'RATE_LIMITED', retryable: true, retryAfterMs: 60_000 });
    fake.failNext('http_503');
    await expect(adapter.send({ tenantKey: config.corpId, kind: 'user', id: 'u1' }, { type: 'text', text: 'd' })).rejects.toMatchObject({ code: 'NETWORK', retryable: true });
    // Twice expired in a row: one retry only, then the error surfaces (no loop).
    fake.failNext('token_expired', 2);
    await expect(adapter.send({ tenantKey: config.corpId, kind: 'user', id: 'u1' }, { type: 'text', text: 'e' })).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
  });

  it('posts team digests through the named group robot as markdown within 4096 bytes', async () => {
    const adapter = createWecomAdapter(config, { tokenStore: memoryStore() });
    const long = { ...card, buttons: [], body: '很长的内容'.repeat(600) };
    await adapter.send({ tenantKey: config.corpId, kind: 'webhook', id: '华东群' }, { type: 'card', card: long });
    const hook = fake.received.at(-1)!;
    expect(hook.path).toBe('/cgi-bin/webhook/send');
    expect(Buffer.byteLength((hook.body as any).markdown.content)).toBeLessThanOrEqual(4096);
    await expect(adapter.send({ tenantKey: config.corpId, kind: 'webhook', id: '不存在的群' }, { type: 'text', text: 'x' })).rejects.toMatchObject({ code: 'PLATFORM_REJECTED' });
    expect(await adapter.lookupUser!('zhangsan')).toEqual({ name: '员工zhangsan' });
  });
});

function cardInput() {
  return {
    approvalId: 'A-7', customerName: '华东阀门', dealId: 'D-3', dealTitle: '球阀', amountFen: 8_600_000, discountPercent: 6, repName: '张三', note: '',
    status: 'pending' as const, timeZone: 'Asia/Shanghai',
    steps: [{ roleLabel: '财务', approverName: '李四', status: 'approved' as const, decidedAt: new Date('2026-11-25T02:32:00Z') }],
  };
}
