// Assignment rules (分配规则) for new leads without an owner: the tenant's rules in order (region → team or rep,
// keyword in industry / product / name / tags → team or rep), else round-robin in the default team, skipping inactive
// people and anyone holding pool.maxOpenLeads open leads; nobody → the lead stays in the pool. Every caller (chat
// /新线索, the admin API, the CSV import) uses chooseOwner / loadAssigner, then assignLead to record it.
import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.js';
import { queryRows } from '../db/rows.js';
import { customers, teams, users } from '../db/schema/index.js';
import type { AssignmentRule, TenantSettings } from '../domain/settings.js';
import { notifyUsers } from '../outbox/enqueue.js';
import { recordAudit, recordAudits } from './audit.js';
import { goldenDueText, goldenNotice } from './golden-response.js';
import type { Ctx } from './context.js';
import { type CreateCustomerResult, type Customer, type NewCustomerInput, createCustomer } from './customers.js';
import { moveOwner } from './pool.js';
import { tenantSettings } from './tenant-settings.js';

/** What the rules know about a lead. */
export interface LeadFacts {
  name: string;
  region?: string | null;
  industry?: string | null;
  /** 产品 / 需求 words (a deal's product line, an import column), matched by keyword rules. */
  productLine?: string | null;
  /** The customer's tags (an import's 产品 column lands here), matched by keyword rules too. */
  tags?: readonly string[] | null;
}

export interface OwnerChoice {
  /** null = no one: the lead stays in the pool. */
  ownerId: string | null;
  ownerName?: string;
  /** Which rule chose whom, in Chinese, for the reply and the audit entry. */
  rule: string;
}

/** Who takes leads in a team: its active reps and managers. */
const TAKES_LEADS = new Set(['rep', 'manager']);

interface Person {
  id: string;
  name: string;
  teamId: string | null;
  role: string;
}

const contains = (hay: string | null | undefined, needle: string) => !!hay && hay.toLowerCase().includes(needle.toLowerCase());
const stripPlace = (s: string) => s.trim().replace(/(省|市|区|县|镇|自治区|特别行政区|地区)$/, '');

function ruleMatches(rule: AssignmentRule, lead: LeadFacts): boolean {
  if (rule.by === 'region') {
    const r = lead.region?.trim();
    if (!r) return false;
    return contains(r, stripPlace(rule.match)) || contains(rule.match, stripPlace(r));
  }
  return [lead.industry, lead.productLine, lead.name, ...(lead.tags ?? [])].some((f) => contains(f, rule.match));
}

/** A rule as the tenant reads it: 地区「浙江」→ 华东销售部. */
export function describeRule(rule: AssignmentRule, names: { team: (id: string) => string; user: (id: string) => string }): string {
  const target = rule.teamId ? `${names.team(rule.teamId)}（团队轮流）` : names.user(rule.userId!);
  return `${rule.by === 'region' ? '地区' : '关键词'}「${rule.match}」→ ${target}`;
}

/**
 * The tenant's rules, people, teams and open-lead counts loaded once; `choose` picks an owner per lead. Round-robin
 * turns come from an atomic counter row per team (counters, kind `rr:<team id>`), so concurrent leads in any number
 * of transactions or processes each get the next turn. Open-lead counts are kept in memory as this assigner assigns
 * (an import choosing 10,000 owners asks the database once), so the limit is exact within one assigner and may be
 * overshot by leads that other processes assign meanwhile.
 */
export async function loadAssigner(db: DbOrTx, tenantId: string, settings?: TenantSettings) {
  const s = settings ?? (await tenantSettings(db, tenantId));
  const people = await db
    .select({ id: users.id, name: users.name, teamId: users.teamId, role: users.role })
    .from(users)
    .where(and(eq(users.tenantId, tenantId), eq(users.active, true)))
    .orderBy(users.createdAt, users.id);
  const teamRows = await db.select({ id: teams.id, name: teams.name }).from(teams).where(eq(teams.tenantId, tenantId));
  const teamName = new Map(teamRows.map((t) => [t.id, t.name]));
  const byId = new Map<string, Person>(people.map((p) => [p.id, p]));
  const open = new Map<string, number>();
  if (people.length > 0) {
    const counts = await db
      .select({ ownerId: customers.ownerId, n: sql<number>`count(*)::int` })
      .from(customers)
      .where(and(eq(customers.tenantId, tenantId), inArray(customers.ownerId, people.map((p) => p.id)), eq(customers.status, 'prospect'), isNull(customers.mergedIntoId)))
      .groupBy(customers.ownerId);
    for (const c of counts) if (c.ownerId) open.set(c.ownerId, Number(c.n));
  }
  const limit = s.pool.maxOpenLeads;
  const underLimit = (id: string) => (open.get(id) ?? 0) < limit;
  const names = { team: (id: string) => teamName.get(id) ?? '已删除的团队', user: (id: string) => byId.get(id)?.name ?? '已停用的人' };
  /** Dry runs take turns from a local copy of each counter, so previews never move the real one. */
  const previewTurns = new Map<string, number>();
  /** Turns reserved for a batch (reserveTurns): taken before asking the counter again. */
  const reserved = new Map<string, { next: number; last: number }>();

  async function nextTurn(db2: DbOrTx, teamId: string, dryRun: boolean): Promise<number> {
    const kind = `rr:${teamId}`;
    const block = dryRun ? undefined : reserved.get(kind);
    if (block && block.next <= block.last) return block.next++;
    if (dryRun) {
      let n = previewTurns.get(kind);
      if (n === undefined) {
        const [row] = await queryRows<{ last: number }>(db2, sql`select last from counters where tenant_id = ${tenantId} and kind = ${kind}`);
        n = Number(row?.last ?? 0);
      }
      previewTurns.set(kind, n + 1);
      return n + 1;
    }
    const [row] = await queryRows<{ last: number }>(
      db2,
      sql`insert into counters (tenant_id, kind, last) values (${tenantId}, ${kind}, 1)
          on conflict (tenant_id, kind) do update set last = counters.last + 1 returning last`,
    );
    return Number(row!.last);
  }

  /** Round-robin in a team: the next turn among members who take leads and are under the limit. */
  async function roundRobin(db2: DbOrTx, teamId: string, dryRun: boolean): Promise<{ person?: Person; skipped: string[] }> {
    const members = people.filter((p) => p.teamId === teamId && TAKES_LEADS.has(p.role));
    const eligible = members.filter((p) => underLimit(p.id));
    const skipped = members.filter((p) => !underLimit(p.id)).map((p) => p.name);
    if (eligible.length === 0) return { skipped };
    const turn = await nextTurn(db2, teamId, dryRun);
    return { person: eligible[(turn - 1) % eligible.length]!, skipped };
  }

  const take = (p: Person, rule: string): OwnerChoice => {
    open.set(p.id, (open.get(p.id) ?? 0) + 1);
    return { ownerId: p.id, ownerName: p.name, rule };
  };

  /** The team whose turn a lead would take first, limits aside (the first matching rule, else the default team). */
  const firstTeam = (lead: LeadFacts): string | null => {
    const rule = s.assignment.rules.find((r) => ruleMatches(r, lead));
    return rule ? (rule.teamId ?? null) : s.assignment.defaultTeamId;
  };

  return {
    settings: s,
    /**
     * Reserves, in one statement per team, the turns a batch of leads will take, so assigning 500 leads costs a
     * handful of counter updates instead of 500. A turn left unused (a full team sent a lead elsewhere) is skipped.
     */
    async reserveTurns(db2: DbOrTx, leads: readonly LeadFacts[]): Promise<void> {
      const need = new Map<string, number>();
      for (const l of leads) {
        const team = firstTeam(l);
        if (team) need.set(team, (need.get(team) ?? 0) + 1);
      }
      for (const [team, k] of need) {
        const kind = `rr:${team}`;
        const [row] = await queryRows<{ last: number }>(
          db2,
          sql`insert into counters (tenant_id, kind, last) values (${tenantId}, ${kind}, ${k})
              on conflict (tenant_id, kind) do update set last = counters.last + ${k} returning last`,
        );
        const last = Number(row!.last);
        reserved.set(kind, { next: last - k + 1, last });
      }
    },
    describe: (rule: AssignmentRule) => describeRule(rule, names),
    /** The owner for one lead and the rule that chose them (`dryRun`: what would happen, nothing written). */
    async choose(db2: DbOrTx, lead: LeadFacts, opts: { dryRun?: boolean } = {}): Promise<OwnerChoice> {
      const notes: string[] = [];
      const noted = (rule: string) => (notes.length > 0 ? `${rule}（${notes.join('；')}）` : rule);
      for (const rule of s.assignment.rules) {
        if (!ruleMatches(rule, lead)) continue;
        const label = describeRule(rule, names);
        if (rule.userId) {
          const p = byId.get(rule.userId);
          if (!p) notes.push(`${label}：此人已停用，跳过`);
          else if (!underLimit(p.id)) notes.push(`${label}：${p.name} 已有 ${limit} 个未成交客户，跳过`);
          else return take(p, noted(`按${label}`));
          continue;
        }
        const { person, skipped } = await roundRobin(db2, rule.teamId!, !!opts.dryRun);
        if (skipped.length > 0) notes.push(`${skipped.join('、')} 已达上限，跳过`);
        if (person) return take(person, noted(`按${label}，团队内轮流分配给 ${person.name}`));
        notes.push(`${label}：团队里没有可分配的人`);
      }
      const team = s.assignment.defaultTeamId;
      if (team) {
        const { person, skipped } = await roundRobin(db2, team, !!opts.dryRun);
        if (skipped.length > 0) notes.push(`${skipped.join('、')} 已达上限，跳过`);
        const why = s.assignment.rules.length > 0 ? '没有匹配的地区/关键词规则，' : '';
        if (person) return take(person, noted(`${why}按默认团队「${names.team(team)}」轮流分配给 ${person.name}`));
        return { ownerId: null, rule: noted(`${why}默认团队「${names.team(team)}」里没有可分配的人，留在公海`) };
      }
      return { ownerId: null, rule: noted(s.assignment.rules.length > 0 ? '没有匹配的分配规则，也没有默认团队，留在公海' : '还没有设置分配规则，留在公海（/设置 分配）') };
    },
  };
}
export type Assigner = Awaited<ReturnType<typeof loadAssigner>>;

/** One lead's owner (see loadAssigner; a batch should load one assigner and reuse it). */
export async function chooseOwner(db: DbOrTx, tenantId: string, lead: LeadFacts): Promise<OwnerChoice> {
  return (await loadAssigner(db, tenantId)).choose(db, lead);
}

/**
 * Records a choice for a pool customer: the owner takes it (audited `customer.assign_rule` with the rule, the owner
 * told at once and their golden-response clock started), or it stays in the pool (audited `customer.pool`).
 */
export async function assignLead(ctx: Ctx, customer: Customer, choice: OwnerChoice, opts: { settings?: TenantSettings } = {}): Promise<Customer> {
  if (choice.ownerId === null) {
    await recordAudit(ctx, { action: 'customer.pool', entityType: 'customer', entityId: customer.id, after: { ownerId: null, rule: choice.rule } });
    return customer;
  }
  return moveOwner(ctx, customer, choice.ownerId, 'customer.assign_rule', { rule: choice.rule, ...(opts.settings ? { settings: opts.settings } : {}) });
}

/**
 * Assigns a batch of pool customers (the CSV import's owner-less rows) in a few statements: turns reserved per team,
 * owners set only where the customer is still owner-less (one taken meanwhile is left out of `assigned`), open
 * deals moved, one audit row each (`customer.assign_rule` / `customer.pool` with the rule), one notice per owner
 * lead. The caller's transaction holds the batch; 500 leads per transaction keeps each one short.
 */
export async function assignLeads(ctx: Ctx, batch: readonly Customer[], assigner: Assigner): Promise<{ assigned: Customer[]; choices: OwnerChoice[] }> {
  await assigner.reserveTurns(ctx.db, batch);
  const choices: OwnerChoice[] = [];
  for (const c of batch) choices.push(await assigner.choose(ctx.db, c));
  const owned = batch.map((c, i) => ({ c, choice: choices[i]! })).filter((x) => x.choice.ownerId !== null);
  let assigned: Customer[] = [];
  if (owned.length > 0) {
    const ids = owned.map((x) => x.c.id);
    const owners = owned.map((x) => x.choice.ownerId!);
    const idArray = sql`array[${sql.join(ids.map((x) => sql`${x}`), sql`, `)}]::uuid[]`;
    const ownerArray = sql`array[${sql.join(owners.map((x) => sql`${x}`), sql`, `)}]::uuid[]`;
    assigned = await ctx.db
      .update(customers)
      .set({ ownerId: sql`v.owner_id`, assignedAt: ctx.now, pooledAt: null, lastActivityAt: ctx.now, updatedAt: ctx.now })
      .from(sql`unnest(${idArray}, ${ownerArray}) as v(id, owner_id)`)
      .where(and(sql`${customers.id} = v.id`, isNull(customers.ownerId)))
      .returning();
    if (assigned.length > 0) {
      await ctx.db.execute(
        sql`update deals set owner_id = c.owner_id, updated_at = ${ctx.now.toISOString()}::timestamptz from customers c
            where deals.customer_id = c.id and c.id = any(${idArray}) and deals.closed_at is null and c.owner_id is not null`,
      );
    }
  }
  const ruleOf = new Map(owned.map((x) => [x.c.id, x.choice.rule]));
  await recordAudits(ctx, [
    ...assigned.map((c) => ({ action: 'customer.assign_rule', entityType: 'customer', entityId: c.id, before: { ownerId: null }, after: { ownerId: c.ownerId, rule: ruleOf.get(c.id) } })),
    ...batch
      .map((c, i) => ({ c, choice: choices[i]! }))
      .filter((x) => x.choice.ownerId === null)
      .map((x) => ({ action: 'customer.pool', entityType: 'customer', entityId: x.c.id, after: { ownerId: null, rule: x.choice.rule } })),
  ]);
  // Every lead of the batch was assigned at ctx.now: one deadline for all.
  const due = goldenDueText(ctx, ctx.now, assigner.settings);
  await notifyUsers(
    ctx.db,
    ctx.actor.tenantId,
    assigned
      .filter((c) => c.ownerId !== ctx.actor.userId)
      .map((c) => goldenNotice(ctx, { ...c, ownerId: c.ownerId!, assignedAt: c.assignedAt! }, ruleOf.get(c.id), assigner.settings, due)),
  );
  return { assigned, choices };
}

export type NewLeadResult = { result: CreateCustomerResult; choice?: OwnerChoice; customer?: Customer };

/** /新线索 and POST /admin/api/tenants/:id/leads: creates the customer in the pool, then applies the rules. */
export async function createLead(ctx: Ctx, input: NewCustomerInput & { productLine?: string }, opts: { allowSimilar?: boolean } = {}): Promise<NewLeadResult> {
  const { productLine, ...fields } = input;
  const result = await createCustomer(ctx, fields, { ownerId: null, ...(opts.allowSimilar ? { allowSimilar: true } : {}) });
  if (!result.created) return { result };
  const choice = await chooseOwner(ctx.db, ctx.actor.tenantId, { ...result.customer, productLine: productLine ?? null });
  const customer = await assignLead(ctx, result.customer, choice);
  return { result, choice, customer };
}
