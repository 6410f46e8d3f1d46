// Short human ids per tenant (C-12, D-17, Q-3, A-12): an atomic counter row per (tenant, kind).
import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.js';
import { queryRows } from '../db/rows.js';

export type CounterKind = 'customer' | 'deal' | 'quote' | 'approval';
export const SHORT_PREFIX: Record<CounterKind, string> = { customer: 'C', deal: 'D', quote: 'Q', approval: 'A' };

export async function nextShortNo(db: DbOrTx, tenantId: string, kind: CounterKind): Promise<number> {
  const rows = await queryRows<{ last: number }>(
    db,
    sql`insert into counters (tenant_id, kind, last) values (${tenantId}, ${kind}, 1)
        on conflict (tenant_id, kind) do update set last = counters.last + 1
        returning last`,
  );
  return Number(rows[0]!.last);
}

export const shortId = (kind: CounterKind, no: number) => `${SHORT_PREFIX[kind]}-${no}`;

/** Parses `D-17`, `d17`, `D－17` into its number when the prefix matches. */
export function parseShortId(text: string, kind: CounterKind): number | undefined {
  const m = /^([a-z])\s*[-－_]?\s*(\d{1,9})$/i.exec(text.normalize('NFKC').trim());
  if (!m || m[1]!.toUpperCase() !== SHORT_PREFIX[kind]) return undefined;
  return Number(m[2]);
}

/** Reserves `n` consecutive short numbers at once (a batch of imported customers); returns the first. */
export async function reserveShortNos(db: DbOrTx, tenantId: string, kind: CounterKind, n: number): Promise<number> {
  const rows = await queryRows<{ last: number }>(
    db,
    sql`insert into counters (tenant_id, kind, last) values (${tenantId}, ${kind}, ${n})
        on conflict (tenant_id, kind) do update set last = counters.last + ${n}
        returning last`,
  );
  return Number(rows[0]!.last) - n + 1;
}
