// One export run: the CSV files `npm run export` writes, whether it opened the database itself or asked the
// running server (src/server/local-tools.ts).
import type { Db } from '../db/client.js';
import { formatDay } from '../domain/dates.js';
import { pickTenant } from '../import/open.js';
import { customersCsv, dealsCsv, encodeCsv, unencodableInGbk } from './customers.js';
import { paymentPlansCsv, paymentReceiptsCsv, targetsCsv } from './money.js';

/** What can be exported; money files (plans, receipts, targets) only when the tenant has any rows of them or asked for. */
export type ExportKind = 'customers' | 'deals' | 'plans' | 'receipts' | 'targets';
export const EXPORT_KINDS: readonly ExportKind[] = ['customers', 'deals', 'plans', 'receipts', 'targets'];

export interface ExportJob {
  tenant?: string;
  only?: ExportKind;
  gbk: boolean;
}

export interface ExportFile {
  label: string;
  name: string;
  rows: number;
  bytes: Buffer;
  /** Characters GBK cannot represent (written as "?"). */
  lost: string[];
}

export async function runExportJob(db: Db, job: ExportJob, now = new Date()): Promise<ExportFile[]> {
  const tenant = await pickTenant(db, job.tenant);
  const day = formatDay(now, tenant.timeZone).replace(/-/g, '');
  const jobs = [
    { kind: 'customers', label: '客户', make: customersCsv },
    { kind: 'deals', label: '商机', make: dealsCsv },
    { kind: 'plans', label: '回款计划', make: (d: Db, t: string) => paymentPlansCsv(d, t, now) },
    { kind: 'receipts', label: '回款', make: paymentReceiptsCsv },
    { kind: 'targets', label: '目标', make: targetsCsv },
  ].filter((j) => !job.only || j.kind === job.only);
  const out: ExportFile[] = [];
  for (const j of jobs) {
    const { text, rows } = await j.make(db, tenant.id);
    // Money files are written when the tenant has such rows (or when asked for with --only), not as empty sheets.
    if (rows === 0 && !job.only && ['plans', 'receipts', 'targets'].includes(j.kind)) continue;
    out.push({ label: j.label, name: `${j.label}-${day}.csv`, rows, bytes: encodeCsv(text, job.gbk ? 'gbk' : 'utf-8-bom'), lost: job.gbk ? unencodableInGbk(text) : [] });
  }
  return out;
}
