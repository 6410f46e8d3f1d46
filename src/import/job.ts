// One import run, from a file on disk to its report: what `npm run import` prints, what the admin API answers,
// whether the tool opened the database itself or handed the file to the running server (src/server/local-tools.ts).
// The file is read as it is imported, never held whole; customer rows that are not created as they stand go to
// the problems file (problems-file.ts), and the report keeps only the first rows of each kind.
import type { Db } from '../db/client.js';
import { findImporter, formatReport, importCustomerRecords, type ImportField, type ImportReport } from './customers.js';
import { detectFileEncoding, readCsvRecords } from './csv-stream.js';
import type { DetectedEncoding } from './decode.js';
import { PROBLEM_LABEL, type ExistingMatch, type PoolRow, type ProblemRow, type SimilarMatch } from './customer-report.js';
import { IMPORT_STOPPED, ImportFileError } from './errors.js';
import { pickTenant } from './open.js';
import type { ImportProgress } from './progress.js';
import { problemsFile } from './problems-file.js';
import { detectImportKind, formatUsersReport, importUsers, type UsersImportReport } from './users.js';
import { detectMoneyKind, formatMoneyReport, importMoney, MONEY_KIND_LABELS, type MoneyImportKind, type MoneyImportReport } from './money.js';

export const IMPORT_KINDS = ['customers', 'users', 'plans', 'receipts', 'targets'] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

export interface ImportJob {
  kind?: ImportKind;
  /** The tenant by name (CLI --tenant) or by id (admin API); else the first tenant. */
  tenant?: string;
  tenantId?: string;
  /** The importer by name or platform id (CLI --as, admin API) … */
  as?: string;
  /** … or by user id (the dashboard's signed-in admin), which wins over `as`. */
  importerId?: string;
  mapping: Record<string, ImportField | null>;
  apply: boolean;
  all: boolean;
}

/** The first problem rows, as the API answers them (the rest are in the problems file). */
export interface ProblemPreview {
  line: number;
  kind: string;
  reason: string;
}

export interface CustomerSummary {
  kind: 'customers';
  tenantId: string;
  encoding: DetectedEncoding;
  applied: boolean;
  counts: { total: number; create: number; existing: number; duplicates: number; similar: number; bad: number };
  columns: ImportReport['columns'];
  ignoredHeaders: string[];
  firstCode?: string;
  lastCode?: string;
  problems: { count: number; first: ProblemPreview[] };
  /**
   * Rows whose 负责人 is empty: the tenant's assignment rules place them (dry run: would place them; the round-robin
   * turns previewed), or they stay in the pool. byRule counts them per rule (the rule's text names whom); first
   * lists the first rows (line, name, ownerName — 公海 when nobody — and rule).
   */
  pool: { count: number; byRule: { rule: string; count: number }[]; first: PoolRow[] };
  /**
   * The merge list: the first rows that match an existing customer (existing: not created again) and the first
   * created (or, dry run, to be created) whose name is like an existing one's (similar: check, then /合并).
   */
  merge: { existing: ExistingMatch[]; similar: SimilarMatch[] };
}
export interface UsersSummary extends UsersImportReport {
  tenantId: string;
  counts: { total: number; create: number; update: number; unchanged: number; bad: number };
}

/** Payment plans, receipts and targets (src/import/money.ts): all rows or none, as their report says. */
export interface MoneySummary extends MoneyImportReport {
  tenantId: string;
}

export interface ImportOutput {
  /** The line saying where the data goes (stderr). */
  info: string;
  /** The report (stdout). */
  report: string;
  /** The same, as data (the admin API's answer). */
  summary: CustomerSummary | UsersSummary | MoneySummary;
}

export interface RunHooks {
  onProgress?: (p: ImportProgress) => void;
  /** Where the customer problems file is written (none when unset). */
  problemsPath?: string;
  /** How many problem rows the summary shows (default 20). */
  preview?: number;
  /** Stops the run between two pieces of work (the server is stopping). */
  signal?: AbortSignal;
}

export async function runImportJob(db: Db, describe: string, path: string, job: ImportJob, hooks: RunHooks = {}): Promise<ImportOutput> {
  const tenant = await pickTenant(db, job.tenant, job.tenantId);
  const file = await detectFileEncoding(path);
  const progress: ImportProgress = { phase: job.apply ? 'scan' : 'check', rowsRead: 0, rowsWritten: 0, bytesRead: 0, totalBytes: file.totalBytes };
  const report = (p: Partial<ImportProgress>) => hooks.onProgress?.(Object.assign(progress, p));
  const limit = job.all ? Number.MAX_SAFE_INTEGER : 50;
  const trial = job.apply ? '' : '（试运行）';

  const reader = readCsvRecords(file, (bytesRead) => report({ bytesRead }));
  const first = await reader.next();
  const header = first.done ? undefined : first.value;
  // Payment plans, receipts and targets, by --kind or by their headers: a company's size, read whole and written in
  // one transaction (any bad row writes nothing).
  const moneyKind = job.kind && job.kind !== 'customers' && job.kind !== 'users' ? job.kind : job.kind ? undefined : detectMoneyKind(header?.cells ?? []);
  if (moneyKind) {
    const records = header ? [header] : [];
    for await (const r of reader) records.push(r);
    report({ rowsRead: Math.max(0, records.length - 1) });
    const r = await importMoney(db, records, { tenantId: tenant.id, timeZone: tenant.timeZone, kind: moneyKind as MoneyImportKind, apply: job.apply });
    return { info: `数据库：${describe}；租户：${tenant.name}；${MONEY_KIND_LABELS[r.kind]}导入${trial}`, report: formatMoneyReport(r, { limit }), summary: { ...r, tenantId: tenant.id } };
  }
  if ((job.kind ?? detectImportKind(header?.cells ?? [])) === 'users') {
    // People files are a team's size: read whole, planned whole (a manager may come after their reports).
    const records = header ? [header] : [];
    for await (const r of reader) records.push(r);
    report({ rowsRead: Math.max(0, records.length - 1) });
    const r = { ...(await importUsers(db, records, { tenantId: tenant.id, apply: job.apply })), encoding: file.encoding };
    const counts = { total: r.total, create: r.create.length, update: r.update.length, unchanged: r.unchanged.length, bad: r.bad.length };
    return { info: `数据库：${describe}；租户：${tenant.name}；人员导入${trial}`, report: formatUsersReport(r, { limit }), summary: { ...r, tenantId: tenant.id, counts } };
  }
  await reader.return(undefined);
  const importer = await findImporter(db, tenant.id, job.importerId ? { id: job.importerId } : job.as);

  if (job.apply) {
    // Before anything is written, the whole file is parsed once: a broken quote on line 150,000 stops the import
    // with nothing written, as the single transaction used to.
    let n = 0;
    for await (const _ of readCsvRecords(file, (bytesRead) => report({ bytesRead }))) {
      if (++n % 2000 === 0) report({ rowsRead: n - 1 });
      if (hooks.signal?.aborted) throw new ImportFileError(IMPORT_STOPPED);
    }
    report({ phase: 'apply', rowsRead: 0, bytesRead: 0 });
  }
  const problems = hooks.problemsPath && header ? problemsFile(hooks.problemsPath, header.cells) : undefined;
  const preview: ProblemPreview[] = [];
  const previewMax = hooks.preview ?? 20;
  let problemCount = 0;
  const onProblem = (p: ProblemRow) => {
    problemCount++;
    problems?.add(p);
    if (preview.length < previewMax) preview.push({ line: p.line, kind: PROBLEM_LABEL[p.kind], reason: p.reason });
  };
  let result: ImportReport;
  try {
    result = await importCustomerRecords(db, readCsvRecords(file, (bytesRead) => report({ bytesRead })), {
      tenantId: tenant.id,
      importer,
      mapping: job.mapping,
      apply: job.apply,
      timeZone: tenant.timeZone,
      keep: Math.max(limit, 200),
      // PGlite runs each statement on this thread: smaller batches keep every stall short. PostgreSQL's run
      // elsewhere, and larger batches mean fewer round trips.
      batchSize: describe.startsWith('PGlite') ? 100 : 500,
      onProblem,
      ...(hooks.signal ? { signal: hooks.signal } : {}),
      onRows: (rowsRead, rowsWritten) => report({ rowsRead, rowsWritten }),
    });
  } finally {
    problems?.close();
  }
  const n = result.counts;
  const summary: CustomerSummary = {
    kind: 'customers',
    tenantId: tenant.id,
    encoding: file.encoding,
    applied: result.applied,
    counts: { total: result.totalRows, create: result.applied ? n.created : n.toCreate, existing: n.existing, duplicates: n.duplicates, similar: n.similar, bad: n.bad },
    columns: result.columns,
    ignoredHeaders: result.ignoredHeaders,
    ...(result.firstCode ? { firstCode: result.firstCode, lastCode: result.lastCode! } : {}),
    problems: { count: problemCount, first: preview },
    pool: {
      count: result.pool.count,
      byRule: Object.entries(result.pool.byRule).sort((a, b) => b[1] - a[1]).map(([rule, count]) => ({ rule, count })),
      first: result.pool.rows.slice(0, previewMax),
    },
    merge: { existing: result.existing.slice(0, previewMax), similar: result.similar.slice(0, previewMax) },
  };
  return {
    info: `数据库：${describe}；租户：${tenant.name}；导入人：${importer.name}${trial}`,
    report: formatReport({ ...result, encoding: file.encoding }, { limit }),
    summary,
  };
}
