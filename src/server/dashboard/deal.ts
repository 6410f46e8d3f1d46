// A deal's 360° view (#/deal/D-n): what /查看 shows of it — the customer, the deal's stage, amount and follow-up due
// time, the customer's recent follow-ups with their next steps, the deal's quotes and their approval state, and its
// payments — from /查看's own services (findDeals, customerView). Another rep's deal is simply not found.
import { z } from 'zod';
import { dueLabel } from '../../domain/due.js';
import { shortId } from '../../services/counters.js';
import { customerShortId, getCustomer } from '../../services/customers.js';
import { customerView } from '../../services/customer-view.js';
import { dealShortId, findDeals } from '../../services/deals.js';
import { FOLLOW_UP_LABELS } from '../../services/follow-ups.js';
import { pipelineRules } from '../../services/tenant-settings.js';
import type { DashboardRoutes } from './kit.js';

const dealParam = z.object({ no: z.string().regex(/^D-\d{1,9}$/i) });
const QUOTE_STATUS = { pending: '审批中', approved: '已通过', rejected: '已驳回', withdrawn: '已撤回' } as const;

const dealNoOf = (list: ReadonlyArray<{ id: string; shortNo: number }>, id: string | null) => {
  const found = id ? list.find((x) => x.id === id) : undefined;
  return found ? dealShortId(found) : null;
};

export const dealRoutes: DashboardRoutes = (app, { db, signedIn, ctxOf, noStore }) => {
  app.get('/app/api/deals/:no', async (req, reply) => {
    const s = await signedIn(req, reply);
    if (!s) return reply;
    const p = dealParam.safeParse(req.params);
    if (!p.success) return reply.code(400).send({ error: 'bad_deal', message: '商机号应当像 D-17。' });
    const ctx = ctxOf(s);
    // findDeals applies the chat's visibility: another rep's deal is simply not found.
    const [d] = await findDeals(ctx, p.data.no);
    const customer = d && (await getCustomer(ctx, d.customerId));
    if (!d || !customer) return reply.code(404).send({ error: 'not_found', message: `没有找到你能查看的商机 ${p.data.no}。` });
    const { labels } = await pipelineRules(db, s.actor.tenantId);
    const v = await customerView(ctx, customer, labels);
    const due = v.due.get(d.id);
    const paid = v.collection.get(d.id);
    return noStore(reply).send({
      no: dealShortId(d),
      title: d.title,
      customerName: d.customerName,
      stage: d.stage,
      stageLabel: labels[d.stage],
      amountFen: d.amountFen,
      expectedCloseOn: d.expectedCloseOn,
      closed: d.closedAt !== null,
      lastActivityAt: d.lastActivityAt.toISOString(),
      due: due ? { at: due.at.toISOString(), label: dueLabel(d, due, ctx.now, ctx.timeZone), overdue: due.at <= ctx.now } : null,
      customer: {
        no: customerShortId(customer),
        name: customer.name,
        ownerName: v.ownerName,
        phone: customer.phone,
        region: customer.region,
        contacts: v.contacts.map((c) => ({ name: c.name, title: c.title, phone: c.phone })),
      },
      followUps: v.followUps.map((f) => ({
        at: f.createdAt.toISOString(),
        kindLabel: FOLLOW_UP_LABELS[f.kind],
        summary: f.summary,
        nextStep: f.nextStep,
        authorName: f.authorName,
        dealNo: dealNoOf(v.deals, f.dealId),
      })),
      quotes: v.quotes.filter((q) => q.dealId === d.id).map((q) => ({ no: shortId('quote', q.shortNo), amountFen: q.amountFen, discountBp: q.discountBp, status: q.status, statusLabel: QUOTE_STATUS[q.status], at: q.createdAt.toISOString() })),
      payments: paid ? { planFen: paid.planFen, receivedFen: paid.receivedFen, outstandingFen: paid.outstandingFen, overdueFen: paid.overdueFen } : null,
    });
  });
};
