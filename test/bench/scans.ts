// Bench 2 and 3: the overdue scan at two table sizes with the same overdue count, and all team digests.
import { sql } from 'drizzle-orm';
import type { Db } from '../../src/db/client.js';
import { at, queryRows } from '../../src/db/rows.js';
import { buildTeamDigests } from '../../src/services/digests.js';
import { seedDeals, seedTenant } from './seed.js';

const ms = async (f: () => Promise<unknown>) => {
  const t0 = performance.now();
  await f();
  return performance.now() - t0;
};

/** The overdue scan's query: open deals silent past the cutoff with no nudge for this episode (as claimOverdueNudges). */
async function overdueScan(db: Db, tenantId: string, cutoff: Date): Promise<number> {
  const rows = await queryRows<{ n: number }>(
    db,
    sql`select count(*)::int as n from deals d
        where d.closed_at is null and d.last_activity_at <= ${at(cutoff)} and d.tenant_id = ${tenantId}
          and not exists (select 1 from nudges n where n.subject_id = d.id and n.kind = 'overdue'
                          and n.episode = ((extract(epoch from d.last_activity_at) * 1000)::bigint)::text)`,
  );
  return Number(rows[0]!.n);
}

export async function benchOverdue(db: Db, sizes: number[], overdue: number) {
  const seed = await seedTenant(db);
  const results: Array<{ deals: number; found: number; ms: number }> = [];
  let have = 0;
  for (const size of sizes) {
    await seedDeals(db, seed, have + 1, size, overdue);
    have = size;
    const cutoff = new Date(Date.now() - 48 * 3600_000);
    await overdueScan(db, seed.tenantId, cutoff); // warm
    let found = 0;
    const runs = 5;
    let total = 0;
    for (let i = 0; i < runs; i++) total += await ms(async () => (found = await overdueScan(db, seed.tenantId, cutoff)));
    results.push({ deals: size, found, ms: total / runs });
  }
  return results;
}

export async function benchDigests(db: Db, teams: number, dealsPerTeam: number, usersPerTeam = 5) {
  const [t] = await queryRows<{ id: string }>(db, sql`insert into tenants (name) values ('战报压测') returning id`);
  const tenantId = t!.id;
  await db.execute(sql`insert into teams (tenant_id, name) select ${tenantId}::uuid, 'team ' || g from generate_series(1, ${teams}::int) g`);
  await db.execute(sql`
    insert into users (tenant_id, name, team_id)
    select ${tenantId}::uuid, tm.name || ' rep ' || g, tm.id from teams tm, generate_series(1, ${usersPerTeam}::int) g where tm.tenant_id = ${tenantId}::uuid`);
  const [u] = await queryRows<{ id: string }>(db, sql`select id from users where tenant_id = ${tenantId} limit 1`);
  const [c] = await queryRows<{ id: string }>(
    db,
    sql`insert into customers (tenant_id, short_no, name, normalised_name, owner_id) values (${tenantId}, 1, '战报客户', '战报客户', ${u!.id}) returning id`,
  );
  await db.execute(sql`
    with owners as (select id, row_number() over () - 1 as k from users where tenant_id = ${tenantId}::uuid)
    insert into deals (tenant_id, short_no, customer_id, title, owner_id, stage, amount_fen, last_activity_at, stage_entered_at, created_at, closed_at)
    select ${tenantId}::uuid, g, ${c!.id}::uuid, 'deal ' || g, o.id,
           (array['lead','first_visit','proposal','quote','won','lost'])[1 + g % 6]::deal_stage, 100000 * (1 + g % 50),
           now() - (g % 96) * interval '1 hour', now() - (g % 40) * interval '1 day', now() - (g % 80) * interval '1 day',
           case when g % 6 >= 4 then now() - (g % 30) * interval '1 day' end
    from generate_series(1, ${teams * dealsPerTeam}::int) g join owners o on o.k = g % ${teams * usersPerTeam}`);
  await db.execute(sql`insert into stage_history (tenant_id, deal_id, stage, entered_at) select tenant_id, id, stage, stage_entered_at from deals where tenant_id = ${tenantId}::uuid`);
  await db.execute(sql`analyze`);
  const teamRows = await queryRows<{ id: string; name: string }>(db, sql`select id, name from teams where tenant_id = ${tenantId}`);
  const now = new Date();
  let checksum = 0;
  // As the scheduler does: all of the tenant's teams' digests at once (grouped queries), not one team at a time.
  const elapsed = await ms(async () => {
    for (const d of await buildTeamDigests(db, tenantId, teamRows, now, 'Asia/Shanghai', 48)) {
      checksum += d.pipeline.reduce((a, p) => a + p.count, 0);
    }
  });
  return { teams: teamRows.length, deals: teams * dealsPerTeam, openDealsSeen: checksum, ms: elapsed };
}
