// One import run, from the file's bytes to the report text: what `npm run import` prints, whether it opened the
// database itself or handed the file to the running server (src/server/local-tools.ts).
import type { Db } from '../db/client.js';
import { decodeBytes, parseCsv } from './decode.js';
import { findImporter, formatReport, importCustomers, type ImportField } from './customers.js';
import { detectImportKind, formatUsersReport, importUsers } from './users.js';
import { pickTenant } from './open.js';
import { detectMoneyKind, formatMoneyReport, importMoney, MONEY_KIND_LABELS, type MoneyImportKind } from './money.js';

export const IMPORT_KINDS = ['customers', 'users', 'plans', 'receipts', 'targets'] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

export interface ImportJob {
  kind?: ImportKind;
  tenant?: string;
  as?: string;
  mapping: Record<string, ImportField | null>;
  apply: boolean;
  all: boolean;
}

export interface ImportOutput {
  /** The line saying where the data goes (stderr). */
  info: string;
  /** The report (stdout). */
  report: string;
}

export async function runImportJob(
  db: Db,
  describe: string,
  bytes: Uint8Array,
  job: ImportJob,
  onProgress?: (phase: string, done: number, total: number) => void,
): Promise<ImportOutput> {
  const tenant = await pickTenant(db, job.tenant);
  const { text, encoding } = decodeBytes(bytes);
  const records = parseCsv(text);
  const limit = job.all ? Number.MAX_SAFE_INTEGER : 50;
  const trial = job.apply ? '' : '（试运行）';
  // Payment plans, receipts and targets (src/import/money.ts), by --kind or by their headers.
  const moneyKind = job.kind && job.kind !== 'customers' && job.kind !== 'users' ? job.kind : job.kind ? undefined : detectMoneyKind(records[0]?.cells ?? []);
  if (moneyKind) {
    const report = await importMoney(db, records, { tenantId: tenant.id, timeZone: tenant.timeZone, kind: moneyKind as MoneyImportKind, apply: job.apply });
    return { info: `数据库：${describe}；租户：${tenant.name}；${MONEY_KIND_LABELS[report.kind]}导入${trial}`, report: formatMoneyReport(report, { limit }) };
  }
  if ((job.kind ?? detectImportKind(records[0]?.cells ?? [])) === 'users') {
    const report = { ...(await importUsers(db, records, { tenantId: tenant.id, apply: job.apply })), encoding };
    return { info: `数据库：${describe}；租户：${tenant.name}；人员导入${trial}`, report: formatUsersReport(report, { limit }) };
  }
  const importer = await findImporter(db, tenant.id, job.as);
  const report = await importCustomers(db, records, {
    tenantId: tenant.id,
    importer,
    mapping: job.mapping,
    apply: job.apply,
    timeZone: tenant.timeZone,
    ...(onProgress ? { onProgress } : {}),
  });
  return { info: `数据库：${describe}；租户：${tenant.name}；导入人：${importer.name}${trial}`, report: formatReport({ ...report, encoding }, { limit }) };
}
