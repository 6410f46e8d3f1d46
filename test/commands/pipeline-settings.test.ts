import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { tenants, users } from '../../src/db/schema/index.js';
import { readSettings } from '../../src/domain/settings.js';
import { dealsCsv } from '../../src/export/customers.js';
import { adminApi } from '../../src/server/admin-api.js';
import { buildApp } from '../../src/server/app.js';
import { createChat } from '../helpers/chat.js';
import { testDriver, useTestDb } from '../helpers/db.js';

const TOKEN = 'test-admin-token-pipeline-0123456789';
const auth = { authorization: `Bearer ${TOKEN}` };

describe(`pipeline stage names and exit criteria per tenant (${testDriver()})`, () => {
  const t = useTestDb();

  async function admin() {
    return buildApp({ db: t().db, adapters: [], dispatch: async () => ({}), logLevel: 'silent', plugins: [adminApi(t().db, TOKEN)] });
  }
  async function tenantOf(name: string) {
    const [u] = await t().db.select().from(users).where(eq(users.name, name));
    return u!.tenantId;
  }
  const dealNo = (s: string) => /D-\d+/.exec(s)![0];

  it('renames stages and tunes the exit criteria through the admin API; /推进 follows them', async () => {
    const chat = createChat(t());
    await chat.say('销售小周', '/新客户 打样机械 13922223333');
    const a = dealNo((await chat.say('销售小周', '/新商机 打样机械 不锈钢阀门 5万')).text);
    const tenantId = await tenantOf('销售小周');
    const api = await admin();
    const patch = (payload: object) => api.inject({ method: 'PATCH', url: `/admin/api/tenants/${tenantId}/settings`, headers: auth, payload });

    // Invalid labels are refused with the reason.
    const bad = await patch({ pipeline: { labels: { proposal: '打 样' } } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().issues).toEqual([{ path: 'pipeline.labels.proposal', message: '阶段名称不能包含空格或斜杠' }]);
    const dup = await patch({ pipeline: { labels: { proposal: '打样', quote: '打样' } } });
    expect(dup.statusCode).toBe(400);
    expect(JSON.stringify(dup.json())).toContain('重复');
    expect((await patch({ pipeline: { labels: { proposal: '一二三四五六七八九' } } })).statusCode).toBe(400);
    expect((await patch({ pipeline: { labels: { visit: '初访' } } })).statusCode).toBe(400);
    expect((await patch({ pipeline: { exitCriteria: { leaveLead: { minFollowUps: -1 } } } })).statusCode).toBe(400);

    // Two patches: the second keeps what the first set (deep merge).
    expect((await patch({ pipeline: { labels: { proposal: '打样' }, exitCriteria: { leaveLead: { minFollowUps: 2 } } } })).statusCode).toBe(200);
    const ok = await patch({ pipeline: { labels: { won: '成单' }, exitCriteria: { enterWon: { requireApprovedQuote: false } } } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().pipeline).toEqual({
      labels: { lead: '线索', first_visit: '初访', proposal: '打样', quote: '报价', won: '成单', lost: '输单' },
      exitCriteria: { leaveLead: { minFollowUps: 2 }, leaveVisit: { requireNeed: true }, enterQuote: { requireAmount: false }, enterWon: { requireApprovedQuote: false } },
      typicalDays: { lead: 90, first_visit: 60, proposal: 45, quote: 30 },
    });
    const [tenant] = await t().db.select().from(tenants).where(eq(tenants.id, tenantId));
    expect(readSettings(tenant!.settings).pipeline.labels.proposal).toBe('打样');
    const got = await api.inject({ url: `/admin/api/tenants/${tenantId}/settings`, headers: auth });
    expect(got.json().pipeline.exitCriteria.leaveLead.minFollowUps).toBe(2);
    const spec = (await api.inject({ url: '/admin/api/openapi.json', headers: auth })).json();
    const settingsPath = spec.paths['/admin/api/tenants/{id}/settings'];
    expect(settingsPath.patch.requestBody.content['application/json'].schema.properties.pipeline.properties.labels.properties.proposal).toMatchObject({ maxLength: 8 });
    expect(settingsPath.get.responses['200'].content['application/json'].schema.properties.pipeline).toBeDefined();

    // minFollowUps: 2 — one follow-up is not enough to leave 线索; the refusal uses the new label.
    await chat.say('销售小周', `/跟进 ${a} 电话沟通，客户在比价`);
    const refused = (await chat.say('销售小周', `/推进 ${a} 打样`)).text;
    expect(refused).toContain(`还不能把 ${a} 推进到「打样」`);
    expect(refused).toContain('离开「线索」需要：至少 2 条跟进记录（目前 1 条');
    expect(refused).toContain('离开「初访」需要：一条写明客户需求或下一步的跟进');
    expect((await chat.say('销售小周', `/推进 ${a} 初访`)).text).toContain('至少 2 条跟进记录');

    // A second follow-up with the need: the renamed label advances, and the reply shows it.
    await chat.say('销售小周', `/跟进 ${a} 上门拜访，客户要 DN50 样品 下一步:寄样`);
    expect((await chat.say('销售小周', `/推进 ${a} 打样`)).text).toContain(`${a}「不锈钢阀门」：线索 → 打样`);
    // The default label and the English key still mean the same stage.
    expect((await chat.say('销售小周', `/推进 ${a} 方案`)).text).toContain('已经在「打样」阶段');
    expect((await chat.say('销售小周', `/stage ${a} proposal`)).text).toContain('已经在「打样」阶段');
    expect((await chat.say('销售小周', `/推进 ${a} 火星`)).text).toContain('可选：线索、初访、打样、报价、成单');
    expect((await chat.say('销售小周', '/漏斗')).text).toContain('- 打样：1 个');
    expect((await chat.say('销售小周', `/查看 ${a}`)).text).toContain('不锈钢阀门 · 打样');

    // requireApprovedQuote: false — the deal's amount is enough to enter 签约 (shown as 成单), no quote needed.
    const won = (await chat.say('销售小周', `/推进 ${a} 签约`)).text;
    expect(won).toContain(`${a}「不锈钢阀门」：打样 → 成单`);
    expect(won).toContain('恭喜成单');
    expect((await chat.say('销售小周', `/推进 ${a} 报价`)).text).toContain('已经成单，不能再推进');
    // Refusals on a closed deal and the export use the tenant's names too.
    expect((await chat.say('销售小周', `/输单 ${a} 价格没谈拢`)).text).toContain(`商机 ${a} 已经成单。`);
    expect((await chat.say('销售小周', `/修改 ${a} 金额 9万`)).text).toContain(`商机 ${a} 已经成单，不能再改金额。`);
    const csv = (await dealsCsv(t().db, await tenantOf('销售小周'))).text;
    expect(csv.split('\n').find((l) => l.startsWith(a))).toContain(',成单,');
    await api.close();
  });

  it('without an amount (or with requireAmount) the refusal names what is missing', async () => {
    const chat = createChat(t());
    await chat.say('销售小吴', '/新客户 核价五金 13933334444');
    const b = dealNo((await chat.say('销售小吴', '/新商机 核价五金 法兰')).text);
    const tenantId = await tenantOf('销售小吴');
    const api = await admin();
    const res = await api.inject({
      method: 'PATCH',
      url: `/admin/api/tenants/${tenantId}/settings`,
      headers: auth,
      payload: { pipeline: { labels: { proposal: '打样', won: '成单' }, exitCriteria: { leaveLead: { minFollowUps: 1 }, enterQuote: { requireAmount: true }, enterWon: { requireApprovedQuote: false } } } },
    });
    expect(res.statusCode).toBe(200);
    await chat.say('销售小吴', `/跟进 ${b} 拜访 下一步:出图纸`);
    expect((await chat.say('销售小吴', `/推进 ${b} 打样`)).text).toContain('线索 → 打样');
    const refused = (await chat.say('销售小吴', `/推进 ${b} 成单`)).text;
    expect(refused).toContain(`还不能把 ${b} 推进到「成单」`);
    expect(refused).toContain('进入「报价」需要：商机金额（这个商机还没有填写金额）');
    expect(refused).toContain('进入「成单」需要：商机金额或一份已审批通过的报价');
    // With the default criteria, entering 签约 needs an approved quote even though an amount would do above.
    await api.inject({ method: 'PATCH', url: `/admin/api/tenants/${tenantId}/settings`, headers: auth, payload: { pipeline: { exitCriteria: { enterQuote: { requireAmount: false }, enterWon: { requireApprovedQuote: true } } } } });
    expect((await chat.say('销售小吴', `/推进 ${b} 报价`)).text).toContain('打样 → 报价');
    expect((await chat.say('销售小吴', `/推进 ${b} won`)).text).toContain('进入「成单」需要：一份已审批通过的报价（用 /报价 发起审批）');
    await api.close();
  });
});
