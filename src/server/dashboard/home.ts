// The dashboard's first screen: the funnel (/漏斗's funnelFor) with each stage's cycle time, under the screens' team/rep
// filter, and my to-dos (/待办's myTodos).
import { z } from 'zod';
import { funnelFor, FUNNEL_PERIOD_LABELS, stageDaysFor, type FunnelPeriod } from '../../services/funnel.js';
import { pipelineRules } from '../../services/tenant-settings.js';
import { myTodos } from '../../services/todos.js';
import { filterOf, type DashboardRoutes } from './kit.js';

const periodSchema = z.object({ period: z.enum(['month', 'quarter', 'last90']).default('last90') });

export const homeRoutes: DashboardRoutes = (app, { db, signedIn, ctxOf, noStore }) => {
  app.get('/app/api/funnel', async (req, reply) => {
    const s = await signedIn(req, reply);
    if (!s) return reply;
    const q = periodSchema.safeParse(req.query);
    if (!q.success) return reply.code(400).send({ error: 'bad_period', message: '时间范围只能是 month、quarter 或 last90。' });
    const ctx = ctxOf(s);
    const filter = await filterOf(ctx, { team: (req.query as Record<string, unknown>).team, rep: (req.query as Record<string, unknown>).rep }, reply);
    if (!filter) return reply;
    const period: FunnelPeriod = q.data.period;
    // PGlite has one connection: the queries run one after another either way.
    const { labels } = await pipelineRules(db, s.actor.tenantId);
    const f = await funnelFor(ctx, { ownerIds: filter.ownerIds }, period);
    const stageDays = await stageDaysFor(ctx, filter.ownerIds, period);
    return noStore(reply).send({
      period,
      periodLabel: FUNNEL_PERIOD_LABELS[period],
      since: f.since.toISOString(),
      pipeline: f.pipeline.map((r) => ({ ...r, label: labels[r.stage] })),
      conversion: f.conversion.map((c) => ({ ...c, fromLabel: labels[c.from], toLabel: labels[c.to] })),
      avgCycleDays: f.avgCycleDays,
      wonCount: f.wonCount,
      /** Average days in each open stage, of the stays that ended in the period. */
      stageDays: stageDays.map((d) => ({ ...d, label: labels[d.stage] })),
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
};
