// Approval progress is live (#16.6): each decision on a request with three parallel approvers updates every
// copy of the card at once (who approved, who is still pending); the final decision closes every copy.
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { plainText } from '../../cards/markup.js';
import type { Card } from '../../cards/model.js';
import { approvalRequests, outbox, sentCards } from '../../src/db/schema/index.js';
import { createChat, type Chat } from '../helpers/chat.js';
import { testDriver, useTestDb } from '../helpers/db.js';

type UpdateRow = { target: { cardRef: string }; payload: { op: 'update'; card: Card }; status: string };

describe(`approval progress reaches every copy of the card (${testDriver()})`, () => {
  const t = useTestDb();
  let chat: Chat;
  let dealId: string;

  beforeAll(async () => {
    chat = createChat(t());
    await chat.say('管理员', '/帮助', { role: 'admin' });
    await chat.say('钱财务', '/帮助', { role: 'finance' });
    await chat.say('孙技术', '/帮助', { role: 'tech' });
    await chat.say('周总监', '/帮助', { role: 'director' });
    await chat.say('吴经理', '/帮助', { role: 'manager' });
    await chat.say('郑销售', '/帮助');
    await chat.say('管理员', '/设置 上级 郑销售 吴经理');
    await chat.say('郑销售', '/新客户 杭州液压设备 13100007777');
    dealId = /D-\d+/.exec((await chat.say('郑销售', '/新商机 杭州液压 液压站改造 6万')).text)![0];
  });

  const updates = async () =>
    (await t().db.select().from(outbox).where(sql`${outbox.payload}->>'op' = 'update'`).orderBy(outbox.id)) as unknown as UpdateRow[];
  const cardOf = async (user: string) => {
    const e = (await chat.inbox(user)).find((x) => x.kind === 'message' && x.message.type === 'card');
    if (!e || e.kind !== 'message' || e.message.type !== 'card') throw new Error(`no card for ${user}`);
    return { card: e.message.card, cardRef: e.cardRef! };
  };

  it('three parallel approvers: each decision updates all three copies with who approved and who is pending', async () => {
    const approvalId = /A-\d+/.exec((await chat.say('郑销售', `/报价 ${dealId} 6万 8% 老客户返单`)).text)![0];
    const finance = await cardOf('钱财务');
    const tech = await cardOf('孙技术');
    const director = await cardOf('周总监');
    const refs = [finance.cardRef, tech.cardRef, director.cardRef].sort();
    const [request] = await t().db.select().from(approvalRequests);
    // A WeCom copy: its response_code updates the card once, so it is kept for the final state.
    await t().db.insert(sentCards).values({ tenantId: request!.tenantId, subjectKind: 'approval', subjectId: request!.id, platform: 'wecom', cardRef: 'wecom-rc-1' });
    expect(await updates()).toHaveLength(0);

    const approve = (c: { card: Card }) => c.card.buttons.find((b) => b.action === 'approve')!;
    await chat.click('钱财务', approve(finance), finance.cardRef);
    let rows = await updates();
    expect(rows.map((r) => r.target.cardRef).sort()).toEqual(refs);
    for (const r of rows) {
      const body = plainText(r.payload.card.body!);
      expect(body).toContain('财务 钱财务：✅ 已批准');
      expect(body).toContain('技术 孙技术：⏳ 待审批');
      expect(body).toContain('销售总监 周总监：⏳ 待审批');
      expect(r.payload.card.state).toBe('pending');
      expect(r.payload.card.buttons.map((b) => b.action)).toEqual(['approve', 'reject']);
    }
    // The others see it in their chat at once: their card was updated in place.
    const techSaw = (await chat.inbox('孙技术')).filter((e) => e.kind === 'update');
    expect(techSaw).toHaveLength(1);

    await chat.click('孙技术', approve(tech), tech.cardRef);
    rows = (await updates()).slice(3);
    expect(rows.map((r) => r.target.cardRef).sort()).toEqual(refs);
    for (const r of rows) {
      const body = plainText(r.payload.card.body!);
      expect(body).toContain('财务 钱财务：✅ 已批准');
      expect(body).toContain('技术 孙技术：✅ 已批准');
      expect(body).toContain('销售总监 周总监：⏳ 待审批');
    }

    await chat.click('周总监', approve(director), director.cardRef);
    rows = (await updates()).slice(6);
    expect(rows.map((r) => r.target.cardRef).sort()).toEqual([...refs, 'wecom-rc-1'].sort());
    for (const r of rows) {
      expect(r.payload.card.state).toBe('success');
      expect(r.payload.card.buttons).toHaveLength(0);
      expect(plainText(r.payload.card.body!)).not.toContain('⏳');
    }
    // No progress update ever went to the WeCom copy; its one update is the final state.
    const wecom = (await updates()).filter((r) => r.target.cardRef === 'wecom-rc-1');
    expect(wecom).toHaveLength(1);
    expect(wecom[0]!.payload.card.footer).toContain('已批准');
    expect(approvalId).toMatch(/^A-\d+$/);
  });

  it('an update still waiting to be sent is superseded by the newer state of the same card, never sent after it', async () => {
    const deal2 = /D-\d+/.exec((await chat.say('郑销售', '/新商机 杭州液压 二期油缸 7万')).text)![0];
    await chat.say('郑销售', `/报价 ${deal2} 7万 8%`);
    const finance = await cardOf('钱财务');
    const tech = await cardOf('孙技术');
    await cardOf('周总监');
    const seen = (await updates()).length;
    // The outbox lanes stop (as when the server shuts down) so nothing is sent between the two clicks; the clicks
    // still go through the console route and the production dispatch.
    await (await chat.app()).background.stop();
    const click = (user: string, c: { card: Card; cardRef: string }, eventKey: string) =>
      chat.click(user, c.card.buttons.find((x) => x.action === 'approve')!, c.cardRef, { eventKey, settle: false });
    await click('钱财务', finance, 'sup-1');
    await click('孙技术', tech, 'sup-2');
    const rows = (await updates()).slice(seen);
    expect(rows).toHaveLength(3); // one per copy: the first decision's rows were superseded before being sent
    for (const r of rows) {
      expect(r.status).toBe('pending');
      const body = plainText(r.payload.card.body!);
      expect(body).toContain('财务 钱财务：✅ 已批准');
      expect(body).toContain('技术 孙技术：✅ 已批准');
    }
  });
});
