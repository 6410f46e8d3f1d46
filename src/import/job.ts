// One import run, from the file's bytes to the report text: what `npm run import` prints, whether it opened the
// database itself or handed the file to the running server (src/server/local-tools.ts).
import type { Db } from '../db/client.js';
import { decodeBytes, parseCsv } from './decode.js';
import { findImporter, formatReport, importCustomers, type ImportField } from './customers.js';
import { detectImportKind, formatUsersReport, importUsers } from './users.js';
import { pickTenant } from './open.js';

export interface ImportJob {
  kind?: 'customers' | 'users';
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
