// Parallel approvers deciding at the same moment: on PostgreSQL the inbox drainers run different senders' clicks in
// parallel, so both last steps are decided concurrently. The request must close exactly once, approved.
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import type { MailboxEntry } from '../../bots/console/mailbox.js';
import type { Card } from '../../cards/model.js';
import { approvalRequests, approvalSteps, auditLog, quotes } from '../../src/db/schema/index.js';
import { createChat } from '../helpers/chat.js';
import { testDriver, useTestDb } from '../helpers/db.js';

const cardOf = (entries: MailboxEntry[]) => {
  const e = entries.find((x) => x.kind === 'message' && x.message.type === 'card');
  if (!e || e.kind !== 'message' || e.message.type !== 'card') throw new Error('no card received');
  return { card: e.message.card as Card, cardRef: e.cardRef };
};

describe(`two approvers deciding at once (${testDriver()})`, () => {
  const t = useTestDb();

  it('closes the request once, approved, whichever click commits last', async () => {
    const chat = createChat(t());
    await chat.say('钱财务', '/帮助', { role: 'finance' });
    await chat.say('孙技术', '/帮助', { role: 'tech' });
    await chat.say('郑销售', '/新客户 杭州液压设备 13100007777');
    for (let round = 1; round <= 3; round++) {
      const d = /D-\d+/.exec((await chat.say('郑销售', `/新商机 杭州液压 液压站${round} 9万`)).text)![0];
      const a = /A-\d+/.exec((await chat.say('郑销售', `/报价 ${d} 9万`)).text)![0];
      const finance = cardOf(await chat.inbox('钱财务'));
      const tech = cardOf(await chat.inbox('孙技术'));
      await Promise.all([
        chat.click('钱财务', finance.card.buttons.find((b) => b.action === 'approve')!, finance.cardRef, { settle: false }),
        chat.click('孙技术', tech.card.buttons.find((b) => b.action === 'approve')!, tech.cardRef, { settle: false }),
      ]);
      await chat.inbox('郑销售');
      const [request] = await t().db.select().from(approvalRequests).where(eq(approvalRequests.shortNo, Number(a.slice(2))));
      expect(request!.status, a).toBe('approved');
      const steps = await t().db.select().from(approvalSteps).where(eq(approvalSteps.requestId, request!.id));
      expect(steps.map((s) => s.status)).toEqual(['approved', 'approved']);
      const [quote] = await t().db.select().from(quotes).where(eq(quotes.id, request!.quoteId));
      expect(quote!.status).toBe('approved');
    }
    expect(await t().db.select().from(auditLog).where(eq(auditLog.action, 'approval.close'))).toHaveLength(3);
  });
});
