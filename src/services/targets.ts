// Sales targets (业绩目标) per month, of a rep or a team: set by managers (for themselves, their reports and teams with
// one of them in it), directors and admins; a quarter is split into three months (the remainder to the last).
import { and, eq, inArray, sql } from 'drizzle-orm';
import { salesTargets, teams, users } from '../db/schema/index.js';
import { DomainError } from '../domain/errors.js';
import { assertAmount, formatFen } from '../domain/money.js';
import type { Period } from '../domain/periods.js';
import { seesAll } from '../domain/roles.js';
import { recordAudit } from './audit.js';
import type { Ctx } from './context.js';
import { findOnePerson } from './users.js';
import { visibleOwnerIds } from './visibility.js';

export type TargetSubject = { kind: 'user' | 'team'; id: string; name: string };

/** A typed name: a team of the tenant (exact name) first, else a person. */
export async function findTargetSubject(ctx: Ctx, name: string): Promise<TargetSubject> {
  const [team] = await ctx.db.select().from(teams).where(and(eq(teams.tenantId, ctx.actor.tenantId), eq(teams.name, name)));
  if (team) return { kind: 'team', id: team.id, name: team.name };
  const person = await findOnePerson(ctx.db, ctx.actor.tenantId, name);
  return { kind: 'user', id: person.id, name: person.name };
}

async function assertMaySetTarget(ctx: Ctx, subject: TargetSubject): Promise<void> {
  if (seesAll(ctx.actor.role)) return;
  if (ctx.actor.role !== 'manager') throw new DomainError('NOT_ALLOWED', '只有经理、总监和管理员可以设置业绩目标。');
  const owners = (await visibleOwnerIds(ctx))!;
  if (subject.kind === 'user' && owners.includes(subject.id)) return;
  if (subject.kind === 'team') {
    const [member] = await ctx.db.select({ id: users.id }).from(users).where(and(eq(users.teamId, subject.id), inArray(users.id, owners))).limit(1);
    if (member) return;
  }
  throw new DomainError('NOT_ALLOWED', `${subject.name} 不是你或你的下属${subject.kind === 'team' ? '所在的团队' : ''}，不能设置目标。`);
}

/** Sets the target of each month of `period` (a quarter's amount split evenly, the remainder fen to its last month); audited. */
export async function setTarget(ctx: Ctx, subject: TargetSubject, period: Period, amountFen: number): Promise<Array<{ month: string; amountFen: number; changed: boolean }>> {
  await assertMaySetTarget(ctx, subject);
  assertAmount(amountFen, '目标金额');
  const n = period.months.length;
  const each = Math.floor(amountFen / n);
  const split = period.months.map((month, i) => ({ month, amountFen: i === n - 1 ? amountFen - each * (n - 1) : each, changed: false }));
  if (split.some((m) => m.amountFen <= 0)) throw new DomainError('INVALID_INPUT', `目标 ${formatFen(amountFen)} 太小，分不到每个月。`);
  for (const m of split) {
    const [before] = await ctx.db
      .select()
      .from(salesTargets)
      .where(and(eq(salesTargets.tenantId, ctx.actor.tenantId), eq(salesTargets.subjectKind, subject.kind), eq(salesTargets.subjectId, subject.id), eq(salesTargets.month, m.month)));
    if (before?.amountFen === m.amountFen) continue;
    m.changed = true;
    const [row] = await ctx.db
      .insert(salesTargets)
      .values({ tenantId: ctx.actor.tenantId, subjectKind: subject.kind, subjectId: subject.id, month: m.month, amountFen: m.amountFen, setById: ctx.actor.userId || null, createdAt: ctx.now, updatedAt: ctx.now })
      .onConflictDoUpdate({
        target: [salesTargets.tenantId, salesTargets.subjectKind, salesTargets.subjectId, salesTargets.month],
        set: { amountFen: sql`excluded.amount_fen`, setById: ctx.actor.userId || null, updatedAt: ctx.now },
      })
      .returning();
    await recordAudit(ctx, {
      action: 'target.set',
      entityType: subject.kind,
      entityId: subject.id,
      ...(before ? { before: { month: m.month, amountFen: before.amountFen } } : {}),
      after: { month: m.month, amountFen: row!.amountFen },
    });
  }
  return split;
}
