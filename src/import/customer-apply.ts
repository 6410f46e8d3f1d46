// Applying a customer plan: every planned row is created through createCustomer (short ids, audit rows and the
// dedup rules stay the service's), as its owner, inside the caller's transaction. A row that meanwhile matches an
// existing customer moves to `existing`.
import type { DbOrTx } from '../db/client.js';
import type { Ctx } from '../services/context.js';
import { createCustomer, customerShortId } from '../services/customers.js';
import { listUsers, toActor, type User } from '../services/users.js';
import type { ImportReport, PlannedRow } from './customer-report.js';

export interface ApplyOptions {
  tenantId: string;
  importer: User;
  now: Date;
  timeZone: string;
  onProgress?: (phase: 'apply', done: number, total: number) => void;
}

/** Writes the planned rows and fills `created`; the report is changed in place and returned, marked applied. */
export async function applyCustomerPlan(tx: DbOrTx, report: ImportReport, opts: ApplyOptions): Promise<ImportReport> {
  const owners = new Map<string, User>([[opts.importer.id, opts.importer]]);
  for (const u of await listUsers(tx, opts.tenantId)) owners.set(u.id, u);
  const total = report.toCreate.length;
  let done = 0;
  const stillNew: PlannedRow[] = [];
  for (const row of report.toCreate) {
    const ctx: Ctx = { db: tx, actor: toActor(owners.get(row.ownerId)!), now: opts.now, timeZone: opts.timeZone };
    // Similar names were listed in the dry run (可能重复) for the importer to check; the file's rows are created.
    const result = await createCustomer(ctx, row.input, { allowSimilar: true });
    if ('similar' in result) throw new Error('createCustomer offered similar customers despite allowSimilar');
    if (result.created) {
      stillNew.push(row);
      report.created.push({ line: row.line, code: customerShortId(result.customer), name: result.customer.name, ownerName: row.ownerName });
    } else {
      report.existing.push({
        line: row.line,
        name: row.input.name,
        matchedBy: result.matchedBy,
        code: customerShortId(result.customer),
        existingName: result.customer.name,
        ownerName: result.ownerName,
      });
    }
    if (++done % 100 === 0) opts.onProgress?.('apply', done, total);
  }
  opts.onProgress?.('apply', total, total);
  report.toCreate = stillNew;
  report.applied = true;
  return report;
}
