// Customer CSV import, the entry points (CLI, admin API): map headers (Chinese defaults, headers.ts), check rows
// (customer-rows.ts), dedup within the file and against the database with the same keys as createCustomer
// (customer-plan.ts), and report (customer-report.ts). Dry run by default; `apply` plans again and creates every
// creatable row through createCustomer inside ONE transaction (customer-apply.ts), so short ids (C-12), audit rows
// and dedup rules stay the same.
import type { Db, DbOrTx } from '../db/client.js';
import { customerIndex } from '../services/customers.js';
import { activeUsers, type User } from '../services/users.js';
import { applyCustomerPlan } from './customer-apply.js';
import { planCustomers, type PlanOptions } from './customer-plan.js';
import type { ImportReport } from './customer-report.js';
import { readCsvFile, type CsvRecord } from './decode.js';
import { ImportFileError } from './errors.js';
import { loadOwners } from './owners.js';

export { ImportFileError } from './errors.js';
export { cleanHeader, DEFAULT_HEADER_MAPPING, FIELD_LABELS, IMPORT_FIELDS, type ImportField } from './headers.js';
export { formatReport } from './customer-report.js';
export type { BadRow, CreatedRow, ExistingMatch, ImportReport, InFileDuplicate, PlannedRow, SimilarMatch } from './customer-report.js';

export interface ImportOptions extends PlanOptions {
  tenantId: string;
  apply?: boolean;
  now?: Date;
  timeZone?: string;
}

async function plan(db: DbOrTx, records: CsvRecord[], opts: ImportOptions): Promise<ImportReport> {
  return planCustomers(records, opts, { owners: await loadOwners(db, opts.tenantId), existing: await customerIndex(db, opts.tenantId) });
}

export async function importCustomers(db: Db, records: CsvRecord[], opts: ImportOptions): Promise<ImportReport> {
  if (!opts.apply) return plan(db, records, opts);
  return db.transaction(async (tx) => {
    // Plan again inside the transaction so the checks see exactly what the inserts will.
    const report = await plan(tx, records, opts);
    return applyCustomerPlan(tx, report, {
      tenantId: opts.tenantId,
      importer: opts.importer,
      now: opts.now ?? new Date(),
      timeZone: opts.timeZone ?? 'Asia/Shanghai',
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    });
  });
}

export async function importCustomersFromFile(db: Db, path: string, opts: ImportOptions): Promise<ImportReport> {
  const { encoding, records } = await readCsvFile(path);
  return { ...(await importCustomers(db, records, opts)), encoding };
}

/** The importer's user row: by name or platform id when given, else the tenant's first admin (or first user). */
export async function findImporter(db: DbOrTx, tenantId: string, who?: string): Promise<User> {
  const all = await activeUsers(db, tenantId);
  if (all.length === 0) throw new ImportFileError('这个租户里还没有任何用户。请先让至少一位同事在企业微信/钉钉/飞书里和机器人说句话，再导入。');
  if (who) {
    const r = (await loadOwners(db, tenantId)).resolve(who);
    if (!r.ok) throw new ImportFileError(r.problem.replace('负责人', '导入人'));
    return r.user;
  }
  return all.find((u) => u.role === 'admin') ?? all.find((u) => u.role === 'director') ?? all[0]!;
}
