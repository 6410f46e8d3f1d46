// The pipeline by stage (count, amount, weighted amount) for me, my team (reports), or the whole tenant.
import { and, eq, isNull, sql } from 'drizzle-orm';
import { deals } from '../db/schema/index.js';
import { OPEN_STAGES, STAGE_PROBABILITY, type Stage } from '../domain/stages.js';
import type { Ctx } from './context.js';
import { ownerFilter, visibleOwnerIds } from './visibility.js';

export interface PipelineRow {
  stage: Stage;
  count: number;
  amountFen: number;
  weightedFen: number;
}

export async function pipelineByStage(ctx: Ctx, scope: 'mine' | 'visible'): Promise<PipelineRow[]> {
  const owners = scope === 'mine' ? [ctx.actor.userId] : await visibleOwnerIds(ctx);
  const rows = await ctx.db
    .select({
      stage: deals.stage,
      count: sql<number>`count(*)::int`,
      amountFen: sql<string>`coalesce(sum(${deals.amountFen}), 0)::text`,
      weightedFen: sql<string>`coalesce(sum(${deals.amountFen} * ${deals.probability} / 100), 0)::text`,
    })
    .from(deals)
    .where(and(eq(deals.tenantId, ctx.actor.tenantId), isNull(deals.closedAt), ownerFilter(deals.ownerId, owners)))
    .groupBy(deals.stage);
  return OPEN_STAGES.map((stage) => {
    const r = rows.find((x) => x.stage === stage);
    return {
      stage,
      count: Number(r?.count ?? 0),
      amountFen: Number(r?.amountFen ?? 0),
      weightedFen: Math.round(Number(r?.weightedFen ?? 0)),
    };
  });
}

export const defaultProbability = (s: Stage) => STAGE_PROBABILITY[s];
