// Customer CSV import, the entry points (CLI, admin API): map headers (Chinese defaults, headers.ts), check rows
// (customer-rows.ts), dedup within the file and against the database with the same keys as createCustomer
// (customer-plan.ts), and report (customer-report.ts). One pass over the rows as they are read; dry run by
// default; `apply` writes the creatable rows in batches as the pass goes (customer-apply.ts, a transaction per
// batch), with createCustomer's short ids (C-12), audit rows and dedup rules.
import { setImmediate as turn } from 'node:timers/promises';
import type { Db, DbOrTx } from '../db/client.js';
import { loadAssigner, type Assigner } from '../services/assignment.js';
import { cityPrefixOf } from '../domain/names.js';
import { customerIndex, POOL_OWNER_NAME } from '../services/customers.js';
import { activeUsers, toActor, type User } from '../services/users.js';
import { customerWriter } from './customer-apply.js';
import { customerPlanner, type PlanOptions } from './customer-plan.js';
import { recordPool, type ImportReport } from './customer-report.js';
import { detectFileEncoding, readCsvRecords } from './csv-stream.js';
import type { CsvRecord } from './decode.js';
import { IMPORT_STOPPED, ImportFileError } from './errors.js';
import { loadOwners } from './owners.js';

export { ImportFileError } from './errors.js';
export { cleanHeader, DEFAULT_HEADER_MAPPING, FIELD_LABELS, IMPORT_FIELDS, type ImportField } from './headers.js';
export { formatReport } from './customer-report.js';
export type { BadRow, CreatedRow, ExistingMatch, ImportCounts, ImportReport, InFileDuplicate, PlannedRow, PoolRow, ProblemRow, SimilarMatch } from './customer-report.js';

export interface ImportOptions extends PlanOptions {
  tenantId: string;
  apply?: boolean;
  now?: Date;
  timeZone?: string;
  /** Rows per transaction when applying (default 500). */
  batchSize?: number;
  /** Hears rows checked (and, applying, written) so far. */
  onRows?: (checked: number, written: number) => void;
  /** Stops between two slices of work, with what is already committed kept (the server is stopping). */
  signal?: AbortSignal;
}

/** Work done between two turns of the event loop, at most (a turn is also given after every written batch). */
const SLICE_MS = 20;

/**
 * The customer import, whatever the rows come from (a file being read, or records in memory): the header row,
 * then each row checked against the file so far and the database, and — applying — written in batches as it goes.
 */
export async function importCustomerRecords(db: Db, records: AsyncIterable<CsvRecord> | Iterable<CsvRecord>, opts: ImportOptions): Promise<ImportReport> {
  const ctx = { owners: await loadOwners(db, opts.tenantId), existing: await customerIndex(db, opts.tenantId) };
  const apply = opts.apply === true;
  const phase = apply ? 'apply' : 'check';
  let planner: ReturnType<typeof customerPlanner> | undefined;
  let writer: ReturnType<typeof customerWriter> | undefined;
  let assigner: Assigner | undefined;
  let checked = 0;
  let written = 0;
  let slice = performance.now();
  try {
    for await (const rec of records) {
      if (!planner) {
        planner = customerPlanner(rec, { ...opts, applying: apply, ...(apply ? { onProblem: (p) => writer!.problem(p) } : {}) }, ctx);
        if (apply) {
          writer = customerWriter(db, planner.report, {
            tenantId: opts.tenantId,
            now: opts.now ?? new Date(),
            batchSize: opts.batchSize ?? 500,
            actor: toActor(opts.importer),
            timeZone: opts.timeZone ?? 'Asia/Shanghai',
            ...(opts.onProblem ? { onProblem: opts.onProblem } : {}),
            onWritten: (n) => (written = n),
          });
        }
        continue;
      }
      const planned = planner.check(rec);
      if (planned && writer) await writer.add(planned.row, rec.cells, planned.similar);
      else if (planned && planned.row.ownerId === null) {
        // Dry run: whom the assignment rules would choose, from a preview of the round-robin turns (the real
        // counters do not move); applying, the writer assigns with a fresh assigner per batch.
        const { row } = planned;
        assigner ??= await loadAssigner(db, opts.tenantId);
        const name = row.input.name.trim();
        const choice = await assigner.choose(db, { name, region: row.input.region ?? cityPrefixOf(name) ?? null, industry: row.input.industry ?? null, tags: row.input.tags ?? [] }, { dryRun: true });
        row.ownerName = choice.ownerName ?? POOL_OWNER_NAME;
        row.rule = choice.rule;
        recordPool(planner.report, { line: row.line, name, ownerName: row.ownerName, rule: choice.rule });
      }
      if (++checked % 500 === 0) {
        opts.onProgress?.(phase, checked, 0);
        opts.onRows?.(checked, written);
      }
      if (performance.now() - slice > SLICE_MS) {
        await turn();
        slice = performance.now();
        if (opts.signal?.aborted) throw new ImportFileError(IMPORT_STOPPED);
      }
    }
  } catch (err) {
    await writer?.settle();
    throw err;
  }
  if (!planner) throw new ImportFileError('文件是空的：第 1 行应该是表头（公司名称、电话、地区……）。');
  await writer?.finish();
  opts.onProgress?.(phase, checked, checked);
  opts.onRows?.(checked, written);
  return planner.report;
}

/** Records already in memory (parseCsv): every list of the report complete unless `keep` says otherwise. */
export async function importCustomers(db: Db, records: CsvRecord[], opts: ImportOptions): Promise<ImportReport> {
  return importCustomerRecords(db, records, opts);
}

/** A file on disk, read as it is imported. */
export async function importCustomersFromFile(db: Db, path: string, opts: ImportOptions): Promise<ImportReport> {
  const file = await detectFileEncoding(path);
  return { ...(await importCustomerRecords(db, readCsvRecords(file), opts)), encoding: file.encoding };
}

/**
 * The importer's user row: by user id (the dashboard's signed-in admin: names need not be unique), by name or
 * platform id (CLI --as, admin API), else the tenant's first admin (or first user). Always an active user of the tenant.
 */
export async function findImporter(db: DbOrTx, tenantId: string, who?: string | { id: string }): Promise<User> {
  const all = await activeUsers(db, tenantId);
  if (all.length === 0) throw new ImportFileError('这个租户里还没有任何用户。请先让至少一位同事在企业微信/钉钉/飞书里和机器人说句话，再导入。');
  if (typeof who === 'object') {
    const user = all.find((u) => u.id === who.id);
    if (!user) throw new ImportFileError('导入人已停用或不在这家公司，不能以其身份导入。请用一位在职成员重新上传。');
    return user;
  }
  if (who) {
    const r = (await loadOwners(db, tenantId)).resolve(who);
    if (!r.ok) throw new ImportFileError(r.problem.replace('负责人', '导入人'));
    return r.user;
  }
  return all.find((u) => u.role === 'admin') ?? all.find((u) => u.role === 'director') ?? all[0]!;
}
