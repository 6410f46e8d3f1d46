// The performance screen (#/perf): target vs won vs forecast, with pipeline, coverage, gap and each rep's 90-day
// record — /业绩's performanceFor (src/services/performance.ts), for the filter's team or rep or the user's own scope.
import { z } from 'zod';
import { performanceFor } from '../../services/performance.js';
import { filterOf, refuse, type DashboardRoutes } from './kit.js';

const periodSchema = z.object({ period: z.enum(['month', 'quarter']).default('month') });

export const performanceRoutes: DashboardRoutes = (app, { signedIn, ctxOf, noStore }) => {
  app.get('/app/api/performance', async (req, reply) => {
    const s = await signedIn(req, reply);
    if (!s) return reply;
    const query = (req.query ?? {}) as Record<string, unknown>;
    const q = periodSchema.safeParse({ period: query.period });
    if (!q.success) return reply.code(400).send({ error: 'bad_period', message: '业绩的时间范围只能是 month（本月）或 quarter（本季）。' });
    const ctx = ctxOf(s);
    const filter = await filterOf(ctx, { team: query.team, rep: query.rep }, reply);
    if (!filter) return reply;
    // The same call as /业绩, /业绩 <团队名> and /业绩 <人>: the figures match the chat's.
    const who = filter.rep ? { userId: filter.rep.id } : filter.team ? { teamId: filter.team.id } : undefined;
    try {
      const p = await performanceFor(ctx, who, q.data.period);
      return noStore(reply).send({
        scope: p.scope,
        period: { kind: q.data.period, label: p.period.label, from: p.period.from, to: p.period.to },
        targetFen: p.targetFen, targetFrom: p.targetFrom, wonFen: p.wonFen, wonCount: p.wonCount,
        pipelineFen: p.pipelineFen, pipelineCount: p.pipelineCount, weightedFen: p.weightedFen,
        forecastFen: p.forecastFen, gapFen: p.gapFen, remainingFen: p.remainingFen, coverageTenths: p.coverageTenths,
        reps: p.reps,
      });
    } catch (e) {
      return refuse(reply, e);
    }
  });
};
