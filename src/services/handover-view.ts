// The handover card (离职交接) as it looks now: pending with 接收, or resolved with the counts that moved (read back
// from the confirm audit row, since the pool is cleared once confirmed).
import { and, eq, isNull, sql } from 'drizzle-orm';
import { buildHandoverCard } from '../../cards/handover-card.js';
import type { Card } from '../../cards/model.js';
import type { DbOrTx } from '../db/client.js';
import { queryRows } from '../db/rows.js';
import { customers, deals, handovers } from '../db/schema/index.js';
import { getUser } from './users.js';

export type Handover = typeof handovers.$inferSelect;

/** The number people see and type: H- and the first 8 hex digits of the id. */
export const handoverNo = (h: Pick<Handover, 'id'>) => `H-${h.id.slice(0, 8).toUpperCase()}`;

export async function countOpenDeals(db: DbOrTx, tenantId: string, ownerId: string): Promise<number> {
  const [r] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(deals)
    .where(and(eq(deals.tenantId, tenantId), eq(deals.ownerId, ownerId), isNull(deals.closedAt)));
  return Number(r?.n ?? 0);
}

/** The card as it looks now (pending with 接收, or resolved). */
export async function handoverCard(db: DbOrTx, h: Handover, timeZone: string): Promise<Card> {
  const [from, to, by] = await Promise.all([getUser(db, h.fromUserId), getUser(db, h.toUserId), getUser(db, h.createdById)]);
  let customerCount: number;
  let openDealCount: number;
  if (h.status === 'pending') {
    const [c] = await db.select({ n: sql<number>`count(*)::int` }).from(customers).where(eq(customers.handoverId, h.id));
    customerCount = Number(c?.n ?? 0);
    openDealCount = await countOpenDeals(db, h.tenantId, h.fromUserId);
  } else {
    const moved = await confirmedCounts(db, h);
    customerCount = moved.customers;
    openDealCount = moved.openDeals;
  }
  return buildHandoverCard({
    handoverId: h.id,
    handoverNo: handoverNo(h),
    fromName: from?.name ?? '未知',
    toName: to?.name ?? '未知',
    createdByName: by?.name ?? '未知',
    customerCount,
    openDealCount,
    status: h.status,
    createdAt: h.createdAt,
    confirmedAt: h.confirmedAt,
    timeZone,
  });
}

/** Counts recorded in the confirm audit row (the pool is cleared once confirmed). */
async function confirmedCounts(db: DbOrTx, h: Handover): Promise<{ customers: number; openDeals: number }> {
  const rows = await queryRows<{ customers: number | null; open_deals: number | null }>(
    db,
    sql`select (after->>'customerCount')::int as customers, (after->>'openDealCount')::int as open_deals
        from audit_log where entity_type = 'handover' and entity_id = ${h.id} and action = 'handover.confirm' limit 1`,
  );
  return { customers: Number(rows[0]?.customers ?? 0), openDeals: Number(rows[0]?.open_deals ?? 0) };
}
