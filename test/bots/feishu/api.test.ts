import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdapterError, type ChatAdapter } from '../../../src/adapter.js';
import { createFeishuAdapter } from '../../../bots/feishu/index.js';
import { buildApprovalCard } from '../../../cards/approval-card.js';
import { createDbTokenStore } from '../../../src/db/token-store.js';
import { startFakeFeishu, type FakeFeishu } from '../../fakes/feishu-api.js';
import { testDriver, useTestDb } from '../../helpers/db.js';
import { TEST_FEISHU, openId } from './sign.js';

const card = (status: 'pending' | 'approved') =>
  buildApprovalCard({
    approvalId: 'A-1', customerName: '华东阀门', dealId: 'D-1', dealTitle: '球阀', amountFen: 8_600_000, discountPercent: 6, repName: '张三', note: '',
    status, steps: [{ roleLabel: '财务', approverName: '李四', status: status === 'pending' ? 'pending' : 'approved', decidedAt: new Date() }], timeZone: 'Asia/Shanghai',
  });

describe(`Feishu outbound API through the SDK client (${testDriver()})`, () => {
  const t = useTestDb();
  let fake: FakeFeishu;
  let adapter: ChatAdapter;
  const to = { tenantKey: 'tk', kind: 'user' as const, id: openId('lisi') };

  beforeAll(async () => {
    fake = await startFakeFeishu({ appId: TEST_FEISHU.appId, appSecret: TEST_FEISHU.appSecret });
    adapter = createFeishuAdapter({ ...TEST_FEISHU, domain: fake.baseUrl }, { tokenStore: createDbTokenStore(t().db) });
  });
  afterAll(async () => fake?.close());

  it('sends text with a bearer token fetched once and shared through the database', async () => {
    await adapter.send(to, { type: 'text', text: '你好' });
    await adapter.send(to, { type: 'text', text: '再见' });
    expect(fake.tokenCalls()).toBe(1);
    const [a, b] = fake.creates().slice(-2);
    expect(a!.headers.authorization).toMatch(/^Bearer t-/);
    expect(a!.query.receive_id_type).toBe('open_id');
    expect(JSON.parse(a!.body.content)).toEqual({ text: '你好' });
    expect(b!.headers.authorization).toBe(a!.headers.authorization);
    // A second adapter (another instance) reuses the stored token.
    const other = createFeishuAdapter({ ...TEST_FEISHU, domain: fake.baseUrl }, { tokenStore: createDbTokenStore(t().db) });
    await other.send(to, { type: 'text', text: '第二个实例' });
    expect(fake.tokenCalls()).toBe(1);
  });

  it('sends a PDF as an uploaded file (im/v1/files) and a file message, keeping the create idempotent', async () => {
    const bytes = Buffer.from('%PDF-1.7 报价单 test bytes \u0000\u00ff', 'utf8');
    const file = { type: 'file' as const, fileName: '报价单-Q-3-华东五金.pdf', mimeType: 'application/pdf' as const, base64: bytes.toString('base64') };
    const sent = await adapter.send(to, file, { idempotencyKey: 'install-1:outbox-77' });
    const [got] = fake.files();
    expect(got).toMatchObject({ to: to.id, fileName: '报价单-Q-3-华东五金.pdf', fileType: 'pdf' });
    expect(got!.bytes.equals(bytes)).toBe(true);
    // A retry of the same outbox row uploads again but Feishu drops the second create (uuid): one file arrives.
    const again = await adapter.send(to, file, { idempotencyKey: 'install-1:outbox-77' });
    expect(again.messageId).toBe(sent.messageId);
    expect(fake.files()).toHaveLength(1);
  });

  it('refreshes an invalidated token once and retries the send', async () => {
    fake.expireTokens();
    const calls = fake.tokenCalls();
    await adapter.send(to, { type: 'text', text: '换令牌' });
    expect(fake.tokenCalls()).toBe(calls + 1);
    expect(JSON.parse(fake.creates().at(-1)!.body.content).text).toBe('换令牌');
  });

  it('sends a card with uuid dedup and patches it in place', async () => {
    const ref = await adapter.send(to, { type: 'card', card: card('pending') }, { idempotencyKey: 'outbox-77' });
    const again = await adapter.send(to, { type: 'card', card: card('pending') }, { idempotencyKey: 'outbox-77' });
    expect(again.messageId).toBe(ref.messageId); // a resend after a crash is the same message
    expect(ref.cardRef).toBe(ref.messageId);
    await adapter.updateCard(ref.cardRef!, card('approved'));
    const stored = fake.messages.get(ref.messageId!)!;
    expect(stored.patches).toHaveLength(1);
    expect(stored.patches[0].header.template).toBe('green');
  });

  it('maps failures to retryable or terminal adapter errors', async () => {
    fake.failNext('rate_limited');
    await expect(adapter.send(to, { type: 'text', text: 'x' })).rejects.toMatchObject({ code: 'RATE_LIMITED', retryable: true });
    fake.failNext('http_500');
    await expect(adapter.send(to, { type: 'text', text: 'x' })).rejects.toMatchObject({ code: 'NETWORK', retryable: true });
    const gone = await adapter.updateCard('om_never_sent', card('approved')).catch((e) => e);
    expect(gone).toBeInstanceOf(AdapterError);
    expect(gone).toMatchObject({ retryable: false });
    const wrongSecret = createFeishuAdapter({ ...TEST_FEISHU, appId: 'cli_ffffffffffffffff', appSecret: 'wrong-secret-0000000', domain: fake.baseUrl }, { tokenStore: createDbTokenStore(t().db) });
    await expect(wrongSecret.send({ ...to, id: openId('other-app') }, { type: 'text', text: 'x' })).rejects.toMatchObject({ code: 'AUTH_FAILED', retryable: false });
  });

  it('posts group messages to the chat id', async () => {
    await adapter.send({ tenantKey: 'tk', kind: 'group', id: 'oc_team_1' }, { type: 'markdown', title: '日报', text: '**线索** 3' });
    const last = fake.creates().at(-1)!;
    expect(last.query.receive_id_type).toBe('chat_id');
    expect(last.body.msg_type).toBe('interactive');
  });
});
