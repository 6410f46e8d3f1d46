// Fast set-based seeding for benchmarks (generate_series), one tenant.
import { sql } from 'drizzle-orm';
import type { Db } from '../../src/db/client.js';
import { queryRows } from '../../src/db/rows.js';

export async function seedTenant(db: Db) {
  const [t] = await queryRows<{ id: string }>(db, sql`insert into tenants (name) values ('压测工厂') returning id`);
  const [u] = await queryRows<{ id: string }>(db, sql`insert into users (tenant_id, name) values (${t!.id}, '压测销售') returning id`);
  const [c] = await queryRows<{ id: string }>(
    db,
    sql`insert into customers (tenant_id, short_no, name, normalised_name, owner_id) values (${t!.id}, 1, '压测客户', '压测客户', ${u!.id}) returning id`,
  );
  return { tenantId: t!.id, userId: u!.id, customerId: c!.id };
}

/** Adds deals numbered from..to; the first `overdue` of them were last touched 72 hours ago, the rest 1 hour ago. */
export async function seedDeals(db: Db, s: { tenantId: string; userId: string; customerId: string }, from: number, to: number, overdueUpTo: number) {
  await db.execute(sql`
    insert into deals (tenant_id, short_no, customer_id, title, owner_id, stage, amount_fen, last_activity_at, stage_entered_at, created_at)
    select ${s.tenantId}::uuid, g, ${s.customerId}::uuid, 'deal ' || g, ${s.userId}::uuid, 'proposal', 1000000,
           case when g <= ${overdueUpTo} then now() - interval '72 hours' else now() - interval '1 hour' end,
           now() - interval '2 days', now() - interval '3 days'
    from generate_series(${from}::int, ${to}::int) g`);
  await db.execute(sql`analyze deals`);
}
