// People import (`npm run import -- 人员.csv`, admin API): name, platform ids, role, manager, team, region. Dry run
// by default; apply writes everything in one transaction. Existing people are matched by platform id, then by exact
// name, and updated — never duplicated; a row that would change nothing is reported as unchanged and not written.
// The jobs: headers.ts (columns), user-rows.ts (one row's checks), user-plan.ts (matching, managers, loops →
// the plan), user-apply.ts (writes through the services), user-report.ts (the report and its Chinese text).
import type { Db, DbOrTx } from '../db/client.js';
import { listTeams } from '../services/teams.js';
import { listIdentities, listUsers } from '../services/users.js';
import type { CsvRecord } from './decode.js';
import { applyUserPlan } from './user-apply.js';
import { buildDirectory, planUsers } from './user-plan.js';
import type { UsersImportReport } from './user-report.js';

export { detectImportKind, isUsersFile, PLATFORM_FIELDS, USER_FIELD_LABELS, USER_HEADERS, type UserField } from './headers.js';
export { formatUsersReport, type UserRowPlan, type UsersImportReport } from './user-report.js';

export interface UsersImportOptions {
  tenantId: string;
  apply?: boolean;
  now?: Date;
}

async function loadDirectory(db: DbOrTx, tenantId: string) {
  return buildDirectory(await listUsers(db, tenantId), await listIdentities(db, tenantId), await listTeams(db, tenantId));
}

export async function importUsers(db: Db, records: CsvRecord[], opts: UsersImportOptions): Promise<UsersImportReport> {
  if (!opts.apply) return { ...planUsers(records, await loadDirectory(db, opts.tenantId)).report, applied: false };
  return db.transaction(async (tx) => {
    // Plan again inside the transaction so the checks see exactly what the writes will.
    const dir = await loadDirectory(tx, opts.tenantId);
    const plan = planUsers(records, dir);
    await applyUserPlan(tx, opts.tenantId, plan, dir, opts.now ?? new Date());
    return { ...plan.report, applied: true };
  });
}
