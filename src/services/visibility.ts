// Who may see and change which records: a rep their own, a manager their reports' (transitively),
// director/admin everything; everyone sees the lead pool (公海: customers without an owner), and nobody changes a
// pool entry before it is claimed or assigned (src/services/pool.ts). An approver also sees the deal and customer of a request waiting for their decision
// (read only: changes still go through assertMayChange), and nothing else of that rep's.
import { and, eq, inArray, isNull, or, type SQL, type AnyColumn, sql } from 'drizzle-orm';
import { approvalRequests, approvalSteps, customers, deals, quotes, teams, users } from '../db/schema/index.js';
import { seesAll } from '../domain/roles.js';
import { DomainError } from '../domain/errors.js';
import type { Ctx } from './context.js';
import { reportIds } from './users.js';

/** null = everything; otherwise the owner ids the actor may see. */
export async function visibleOwnerIds(ctx: Ctx): Promise<string[] | null> {
  if (seesAll(ctx.actor.role)) return null;
  if (ctx.actor.role === 'manager') return [ctx.actor.userId, ...(await reportIds(ctx.db, ctx.actor.userId))];
  return [ctx.actor.userId];
}

export async function assertMayChange(ctx: Ctx, ownerId: string | null, what: string): Promise<void> {
  if (ownerId === null) {
    throw new DomainError('NOT_ALLOWED', `${what}在公海里，还没有负责人。请先领取（/领取 客户编号），或请经理 /分配 给你。`);
  }
  const owners = await visibleOwnerIds(ctx);
  if (owners !== null && !owners.includes(ownerId)) {
    throw new DomainError('NOT_ALLOWED', `${what}不属于你或你的下属，无法操作。如需接手，请联系你的经理。`);
  }
}

/** Deals and customers with a request waiting for the actor's own decision. */
export async function awaitingMyDecision(ctx: Ctx): Promise<{ dealIds: string[]; customerIds: string[] }> {
  const rows = await ctx.db
    .selectDistinct({ dealId: deals.id, customerId: deals.customerId })
    .from(approvalSteps)
    .innerJoin(approvalRequests, eq(approvalRequests.id, approvalSteps.requestId))
    .innerJoin(quotes, eq(quotes.id, approvalRequests.quoteId))
    .innerJoin(deals, eq(deals.id, quotes.dealId))
    .where(
      and(
        eq(approvalSteps.tenantId, ctx.actor.tenantId),
        eq(approvalSteps.approverId, ctx.actor.userId),
        eq(approvalSteps.status, 'pending'),
        eq(approvalRequests.status, 'pending'),
      ),
    );
  return { dealIds: rows.map((r) => r.dealId), customerIds: rows.map((r) => r.customerId) };
}

/** Customers the actor may view: viewFilter over their owner, plus every pool entry (owner null). */
export function customerViewFilter(owners: string[] | null, waiting: string[]): SQL {
  if (owners === null) return sql`true`;
  return or(viewFilter(customers.ownerId, owners, customers.id, waiting), isNull(customers.ownerId))!;
}

/** Whether the actor sees this customer's own records (its owner is theirs, or it sits in the pool). */
export const seesCustomerRecords = (owners: string[] | null, ownerId: string | null) => owners === null || ownerId === null || owners.includes(ownerId);

/** Rows the actor may view: their owners' (visibleOwnerIds), plus the given ids waiting for their decision. */
export function viewFilter(ownerColumn: AnyColumn, owners: string[] | null, idColumn: AnyColumn, waiting: string[]): SQL {
  if (owners === null) return sql`true`;
  const own = inArray(ownerColumn, owners);
  return waiting.length > 0 ? or(own, inArray(idColumn, waiting))! : own;
}

/** Payments (回款): finance sees and records them for every deal; everyone else as for deals (visibleOwnerIds). */
export async function paymentOwnerIds(ctx: Ctx): Promise<string[] | null> {
  return ctx.actor.role === 'finance' ? null : visibleOwnerIds(ctx);
}

/** A collection plan is set by finance, or by whoever may change the deal (its owner and their reporting line). */
export async function assertMaySetPaymentPlan(ctx: Ctx, ownerId: string, what: string): Promise<void> {
  if (ctx.actor.role === 'finance') return;
  await assertMayChange(ctx, ownerId, what);
}

/** Money received is recorded by finance or by the deal's owner, nobody else (an import runs as the system, no user). */
export function assertMayRecordPayment(ctx: Ctx, ownerId: string, what: string): void {
  if (ctx.actor.role === 'finance' || ctx.actor.userId === ownerId || ctx.actor.userId === '') return;
  throw new DomainError('NOT_ALLOWED', `${what}的回款只能由财务或商机负责人登记。`);
}

/** A screen's filter (the dashboard's team and rep): whose numbers, narrowed within what the actor may see. */
export interface OwnerFilter {
  teamId?: string | undefined;
  repId?: string | undefined;
}

export interface FilteredOwners {
  /** null = everyone in the tenant (a director or admin without a filter). */
  ownerIds: string[] | null;
  team?: { id: string; name: string };
  rep?: { id: string; name: string };
}

/**
 * The owners a filter selects, never more than visibleOwnerIds: a rep or team outside what the actor may see is
 * refused with a sentence saying so (never silently widened or emptied).
 */
export async function ownersInFilter(ctx: Ctx, f: OwnerFilter): Promise<FilteredOwners> {
  const owners = await visibleOwnerIds(ctx);
  const out: FilteredOwners = { ownerIds: owners };
  if (f.teamId) {
    const [team] = await ctx.db.select({ id: teams.id, name: teams.name }).from(teams).where(and(eq(teams.tenantId, ctx.actor.tenantId), eq(teams.id, f.teamId)));
    if (!team) throw new DomainError('NOT_FOUND', '没有找到这个团队，请重新选择。');
    const ids = (await ctx.db.select({ id: users.id }).from(users).where(and(eq(users.tenantId, ctx.actor.tenantId), eq(users.teamId, team.id)))).map((u) => u.id);
    const seen = owners === null ? ids : ids.filter((id) => owners.includes(id));
    if (seen.length === 0) throw new DomainError('NOT_ALLOWED', `「${team.name}」不是你或你的下属所在的团队，无法查看。`);
    out.ownerIds = seen;
    out.team = team;
  }
  if (f.repId) {
    const [rep] = await ctx.db.select({ id: users.id, name: users.name, teamId: users.teamId }).from(users).where(and(eq(users.tenantId, ctx.actor.tenantId), eq(users.id, f.repId)));
    if (!rep) throw new DomainError('NOT_FOUND', '没有找到这位销售，请重新选择。');
    if (owners !== null && !owners.includes(rep.id)) throw new DomainError('NOT_ALLOWED', `${rep.name} 不是你或你的下属，无法查看。`);
    if (out.ownerIds !== null && !out.ownerIds.includes(rep.id)) throw new DomainError('NOT_ALLOWED', `${rep.name} 不在「${out.team?.name ?? ''}」团队里，请换一个团队或销售。`);
    out.ownerIds = [rep.id];
    out.rep = { id: rep.id, name: rep.name };
  }
  return out;
}

/** What a filter may offer the actor: the people they may see (themself included) and those people's teams. */
export async function filterChoices(ctx: Ctx): Promise<{ reps: Array<{ id: string; name: string; teamId: string | null }>; teams: Array<{ id: string; name: string }> }> {
  const owners = await visibleOwnerIds(ctx);
  const reps = await ctx.db
    .select({ id: users.id, name: users.name, teamId: users.teamId })
    .from(users)
    .where(and(eq(users.tenantId, ctx.actor.tenantId), eq(users.active, true), owners === null ? undefined : inArray(users.id, owners)))
    .orderBy(users.name);
  const teamIds = [...new Set(reps.flatMap((r) => (r.teamId ? [r.teamId] : [])))];
  const teamRows = teamIds.length === 0 ? [] : await ctx.db.select({ id: teams.id, name: teams.name }).from(teams).where(inArray(teams.id, teamIds)).orderBy(teams.name);
  return { reps, teams: teamRows };
}
