// The dashboard's first screen: the funnel (/漏斗's funnelFor), my to-dos (/待办's myTodos) and a deal (/查看's findDeals).
import { z } from 'zod';
import { findDeals } from '../../services/deals.js';
import { funnelFor, FUNNEL_PERIOD_LABELS, type FunnelPeriod } from '../../services/funnel.js';
import { pipelineRules } from '../../services/tenant-settings.js';
import { myTodos } from '../../services/todos.js';
import type { DashboardRoutes } from './kit.js';

const periodSchema = z.object({ period: z.enum(['month', 'quarter', 'last90']).default('last90') });
const dealParam = z.object({ no: z.string().regex(/^D-\d{1,9}$/i) });

export const homeRoutes: DashboardRoutes = (app, { db, signedIn, ctxOf, noStore }) => {
  app.get('/app/api/funnel', async (req, reply) => {
    const s = await signedIn(req, reply);
    if (!s) return reply;
    const q = periodSchema.safeParse(req.query);
    if (!q.success) return reply.code(400).send({ error: 'bad_period', message: '时间范围只能是 month、quarter 或 last90。' });
    const ctx = ctxOf(s);
    const period: FunnelPeriod = q.data.period;
    const [{ labels }, f] = await Promise.all([pipelineRules(db, s.actor.tenantId), funnelFor(ctx, 'visible', period)]);
    return noStore(reply).send({
      period,
      periodLabel: FUNNEL_PERIOD_LABELS[period],
      since: f.since.toISOString(),
      pipeline: f.pipeline.map((r) => ({ ...r, label: labels[r.stage] })),
      conversion: f.conversion.map((c) => ({ ...c, fromLabel: labels[c.from], toLabel: labels[c.to] })),
      avgCycleDays: f.avgCycleDays,
      wonCount: f.wonCount,
    });
  });

  app.get('/app/api/todos', async (req, reply) => {
    const s = await signedIn(req, reply);
    if (!s) return reply;
    const ctx = ctxOf(s);
    const t = await myTodos(ctx, new Date(ctx.now.getTime() + 24 * 3600_000));
    return noStore(reply).send({
      deals: t.deals.map((d) => ({ no: `D-${d.shortNo}`, title: d.title, customerName: d.customerName, stage: d.stage, dueAt: d.due.at.toISOString(), reason: d.due.reason, overdue: d.overdue })),
      approvals: t.approvals.map((a) => ({ no: `A-${a.requestShortNo}`, dealTitle: a.dealTitle, amountFen: a.amountFen, discountBp: a.discountBp, waitingSince: a.waitingSince.toISOString() })),
    });
  });

  app.get('/app/api/deals/:no', async (req, reply) => {
    const s = await signedIn(req, reply);
    if (!s) return reply;
    const p = dealParam.safeParse(req.params);
    if (!p.success) return reply.code(400).send({ error: 'bad_deal', message: '商机号应当像 D-17。' });
    // findDeals applies the chat's visibility: another rep's deal is simply not found.
    const [d] = await findDeals(ctxOf(s), p.data.no);
    if (!d) return reply.code(404).send({ error: 'not_found', message: `没有找到你能查看的商机 ${p.data.no}。` });
    const { labels } = await pipelineRules(db, s.actor.tenantId);
    return noStore(reply).send({ no: `D-${d.shortNo}`, title: d.title, customerName: d.customerName, stage: d.stage, stageLabel: labels[d.stage], amountFen: d.amountFen, lastActivityAt: d.lastActivityAt.toISOString() });
  });
};
