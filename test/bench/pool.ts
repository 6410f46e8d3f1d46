// Bench 6: the lead pool. (a) Assigning 10,000 imported owner-less leads with region rules and round-robin in teams,
// the way the import calls it (one loadAssigner, then assignLeads per 500-lead transaction);
// (b) /公海 listing (listPool) with 100,000 pool entries beside 100,000 owned customers.
import { sql } from 'drizzle-orm';
import type { Db } from '../../src/db/client.js';
import { queryRows } from '../../src/db/rows.js';
import { customers } from '../../src/db/schema/index.js';
import { NAME_KEY_VERSION, nameGrams, normaliseCompanyName } from '../../src/domain/names.js';
import { assignLeads, loadAssigner } from '../../src/services/assignment.js';
import { systemCtx } from '../../src/services/audit.js';
import type { Ctx } from '../../src/services/context.js';
import { listPool } from '../../src/services/pool.js';

const REGIONS = ['浙江', '江苏', '广东', '山东', '福建', '上海', '河北', '四川'];
const arr = (xs: string[]) => sql`array[${sql.join(xs.map((x) => sql`${x}`), sql`, `)}]`;

async function tenantWithTeams(db: Db, label: string) {
  const [t] = await queryRows<{ id: string }>(db, sql`insert into tenants (name) values (${label}) returning id`);
  const teamIds: string[] = [];
  for (let i = 0; i < 4; i++) {
    const [team] = await queryRows<{ id: string }>(db, sql`insert into teams (tenant_id, name) values (${t!.id}, ${`团队${i}`}) returning id`);
    teamIds.push(team!.id);
    // 10 reps per team with a console identity (so each notice is a real outbox row), and one inactive rep.
    for (let r = 0; r <= 10; r++) {
      const [u] = await queryRows<{ id: string }>(
        db,
        sql`insert into users (tenant_id, name, team_id, active) values (${t!.id}, ${`T${i}销售${r}`}, ${team!.id}, ${r < 10}) returning id`,
      );
      await db.execute(sql`insert into user_identities (tenant_id, user_id, platform, platform_user_id) values (${t!.id}, ${u!.id}, 'console', ${`T${i}R${r}`})`);
    }
  }
  return { tenantId: t!.id, teamIds };
}

/** Owner-less customers as the import writes them (shortNo from `from`), regions cycling through REGIONS. */
async function insertLeads(db: Db, tenantId: string, n: number, opts: { from?: number; ownerId?: string } = {}) {
  const from = opts.from ?? 0;
  for (let i = 0; i < n; i += 5000) {
    const size = Math.min(5000, n - i);
    const names = Array.from({ length: size }, (_, k) => `压测线索${from + i + k}号机械厂`);
    const keys = names.map((n) => normaliseCompanyName(n));
    await db.execute(sql`
      insert into customers (tenant_id, short_no, name, normalised_name, name_grams, name_key_version, region, industry, source_channel, owner_id, pooled_at, last_activity_at)
      select ${tenantId}::uuid, ${from + i} + v.ord, v.name, v.k, string_to_array(v.g, ' '), ${NAME_KEY_VERSION},
             (${arr(REGIONS)}::text[])[1 + (v.ord % ${REGIONS.length})], '机械', '展会',
             ${opts.ownerId ?? null}::uuid, ${opts.ownerId ? null : sql`now() - (v.ord % 90) * interval '1 day'`}, now()
      from unnest(${arr(names)}::text[], ${arr(keys)}::text[], ${arr(keys.map((k) => nameGrams(k).join(' ')))}::text[]) with ordinality as v(name, k, g, ord)`);
  }
}

export async function benchAssign(db: Db, leads: number) {
  const { tenantId, teamIds } = await tenantWithTeams(db, '分配压测');
  const rules = REGIONS.slice(0, 6).map((r, i) => ({ by: 'region' as const, match: r, teamId: teamIds[i % 3]! }));
  await db.execute(sql`update tenants set settings = ${JSON.stringify({ assignment: { rules, defaultTeamId: teamIds[3] }, pool: { maxOpenLeads: 5000 } })}::jsonb where id = ${tenantId}`);
  await insertLeads(db, tenantId, leads);
  await db.execute(sql`analyze customers`);
  const rows = await db.select().from(customers).where(sql`${customers.tenantId} = ${tenantId}`).orderBy(customers.shortNo);
  const t0 = performance.now();
  const assigner = await loadAssigner(db, tenantId);
  const now = new Date();
  for (let i = 0; i < rows.length; i += 500) {
    await db.transaction(async (tx) => {
      const ctx = systemCtx(tx, tenantId, now, 'Asia/Shanghai');
      await assignLeads(ctx, rows.slice(i, i + 500), assigner);
    });
  }
  const ms = performance.now() - t0;
  const [check] = await queryRows<{ owned: number; owners: number; notices: number; max: number; min: number }>(
    db,
    sql`select (select count(*)::int from customers where tenant_id = ${tenantId} and owner_id is not null) as owned,
               (select count(distinct owner_id)::int from customers where tenant_id = ${tenantId}) as owners,
               (select count(*)::int from outbox where dedup_key like 'golden-notice:%' and tenant_id = ${tenantId}) as notices,
               (select max(n)::int from (select count(*) n from customers where tenant_id = ${tenantId} group by owner_id) s) as max,
               (select min(n)::int from (select count(*) n from customers where tenant_id = ${tenantId} group by owner_id) s) as min`,
  );
  return { leads, ms, ...check! };
}

export async function benchPoolList(db: Db, poolSize: number, lists: number) {
  const { tenantId } = await tenantWithTeams(db, '公海压测');
  const [owner] = await queryRows<{ id: string }>(db, sql`select id from users where tenant_id = ${tenantId} and active limit 1`);
  await insertLeads(db, tenantId, poolSize);
  await insertLeads(db, tenantId, poolSize, { from: poolSize, ownerId: owner!.id });
  // As autovacuum leaves a table in steady state (visibility map set, so counts read the index alone).
  await db.execute(sql`vacuum analyze customers`);
  const ctx: Ctx = { db, actor: { tenantId, userId: owner!.id, name: 'T0销售0', role: 'rep' }, now: new Date(), timeZone: 'Asia/Shanghai' };
  const time = async (filter: { text?: string; source?: string } = {}) => {
    for (let i = 0; i < 5; i++) await listPool(ctx, filter); // warm
    const times: number[] = [];
    let shown = 0;
    for (let i = 0; i < lists; i++) {
      const t0 = performance.now();
      const r = await listPool(ctx, filter);
      times.push(performance.now() - t0);
      shown = r.entries.length;
    }
    times.sort((a, b) => a - b);
    return { meanMs: times.reduce((s, x) => s + x, 0) / times.length, p95Ms: times[Math.floor(times.length * 0.95)]!, shown };
  };
  return { poolSize, all: await time(), region: await time({ text: '浙江' }), keyword: await time({ text: '888号机械' }), source: await time({ source: '展会' }) };
}
