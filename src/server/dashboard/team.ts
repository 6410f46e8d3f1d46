// The team screen (#/team): each person's follow-ups per week over the last 8 weeks (a heatmap) with their due and
// escalated counts, and the lists of due, escalated and stagnant deals — from /团队's and /待办's services
// (teamOverview, teamTodos; "due" is src/services/due.ts's), under the team/rep filter. /app/api/filters offers
// the filter's choices (the people and teams the user may see).
import { dueLabel } from '../../domain/due.js';
import { wallClock } from '../../domain/dates.js';
import { shortId } from '../../services/counters.js';
import { followUpWeeks, teamOverview, teamTodos } from '../../services/team-todos.js';
import { pipelineRules } from '../../services/tenant-settings.js';
import { filterChoices } from '../../services/visibility.js';
import { filterOf, type DashboardRoutes } from './kit.js';

const WEEKS = 8;

export const teamRoutes: DashboardRoutes = (app, { db, signedIn, ctxOf, noStore }) => {
  app.get('/app/api/filters', async (req, reply) => {
    const s = await signedIn(req, reply);
    if (!s) return reply;
    const c = await filterChoices(ctxOf(s));
    return noStore(reply).send({ reps: c.reps, teams: c.teams });
  });

  app.get('/app/api/team', async (req, reply) => {
    const s = await signedIn(req, reply);
    if (!s) return reply;
    const ctx = ctxOf(s);
    const filter = await filterOf(ctx, req.query, reply);
    if (!filter) return reply;
    const rows = await teamOverview(ctx, filter.ownerIds);
    if (!rows) return noStore(reply).send({ team: null, message: '团队页面只对有下属的经理和总监开放；你的商机请看首页的待跟进。' });
    const todos = (await teamTodos(ctx, filter.ownerIds))!;
    const { labels } = await pipelineRules(db, s.actor.tenantId);
    const weeks = await followUpWeeks(ctx, rows.map((r) => r.userId), WEEKS);
    const escalatedOf = new Map(todos.dueByRep.map((g) => [g.ownerId, g.deals.filter((d) => d.escalated).length]));
    const due = todos.dueByRep.flatMap((g) => g.deals).map((d) => ({
      no: shortId('deal', d.shortNo), title: d.title, customerName: d.customerName, ownerName: d.ownerName, stageLabel: labels[d.stage],
      dueAt: d.due.at.toISOString(), dueLabel: dueLabel(d, d.due, ctx.now, ctx.timeZone), escalated: d.escalated,
    }));
    return noStore(reply).send({
      team: {
        weeks: weeks.weekStarts.map((w) => {
          const c = wallClock(w, ctx.timeZone);
          return `${c.month}/${c.day}`;
        }),
        reps: rows.map((r) => ({
          id: r.userId, name: r.name, openDeals: r.openDeals, amountFen: r.amountFen, due: r.due, escalated: escalatedOf.get(r.userId) ?? 0,
          followUpsThisWeek: r.followUpsThisWeek, weeks: weeks.counts.get(r.userId)!,
        })),
        due,
        escalated: due.filter((d) => d.escalated),
        stagnant: todos.stagnant.map((d) => ({ no: shortId('deal', d.shortNo), title: d.title, customerName: d.customerName, ownerName: d.ownerName, stageLabel: labels[d.stage], days: d.days })),
      },
    });
  });
};
