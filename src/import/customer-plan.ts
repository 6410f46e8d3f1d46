// Planning a customer import, without writing: each row is checked (customer-rows.ts), its 负责人 resolved, and
// matched within the file and against the tenant's customers with createCustomer's keys (services/customers.ts
// customerIndex). The result is the report: what would be created, what exists, duplicates, rows to fix.
import { normaliseCompanyName, normalisePhone } from '../domain/names.js';
import { customerShortId, POOL_OWNER_NAME, type CustomerIndex } from '../services/customers.js';
import type { User } from '../services/users.js';
import type { CsvRecord } from './decode.js';
import { ImportFileError } from './errors.js';
import { type HeaderMappingOptions, mapCustomerHeaders } from './headers.js';
import { customerRowSchema, rawCustomerRow, toNewCustomerInput } from './customer-rows.js';
import {
  badReason,
  duplicateReason,
  emptyReport,
  existingReason,
  record,
  similarReason,
  type ExistingMatch,
  type ImportReport,
  type InFileDuplicate,
  type PlannedRow,
  type ProblemKind,
  type ProblemRow,
  type SimilarMatch,
} from './customer-report.js';
import { decideRowOwner, type OwnerDirectory } from './owners.js';

export interface PlanOptions extends HeaderMappingOptions {
  /** The person running the import: the actor of its audit rows and assignments (rows whose 负责人 is empty go to the assignment rules). */
  importer: User;
  onProgress?: (phase: 'check' | 'apply', done: number, total: number) => void;
  /** How many entries of each list the report keeps (the rest are only counted); default all. */
  keep?: number;
  /** Hears every row that will not be created as it is, with its cells (the problems file). */
  onProblem?: (p: ProblemRow) => void;
  /** The plan is being applied: similar rows are reported by the writer, with the number they were given. */
  applying?: boolean;
}

/** What the database has that the plan is checked against. */
export interface PlanContext {
  owners: OwnerDirectory;
  existing: CustomerIndex;
}

/** Starts a plan at the header row; `check` then classifies one data row at a time, in file order. */
export function customerPlanner(header: CsvRecord | undefined, opts: PlanOptions, { owners, existing }: PlanContext) {
  if (!header) throw new ImportFileError('文件是空的：第 1 行应该是表头（公司名称、电话、地区……）。');
  const { columns, ignoredHeaders } = mapCustomerHeaders(header.cells, opts);
  const schema = customerRowSchema();
  const report = emptyReport(columns.map(({ header: h, field }) => ({ header: h, field })), ignoredHeaders, opts.keep ?? Number.MAX_SAFE_INTEGER);
  const seenName = new Map<string, number>();
  const seenPhone = new Map<string, number>();
  const problem = (rec: CsvRecord, kind: ProblemKind, reason: string) => opts.onProblem?.({ line: rec.line, kind, reason, cells: rec.cells });

  /** Records the row's outcome in the report; returns it when it is to be created (with its look-alike, if any). */
  function check(rec: CsvRecord): { row: PlannedRow; similar?: SimilarMatch } | undefined {
    report.totalRows++;
    const raw = rawCustomerRow(rec, columns);
    const parsed = schema.safeParse(raw);
    const problems = parsed.success ? [] : parsed.error.issues.map((iss) => iss.message);
    const owner = decideRowOwner(raw.owner, owners);
    if (!owner.ok) problems.push(owner.problem);
    if (!parsed.success || !owner.ok) {
      const bad = { line: rec.line, name: raw.name, problems };
      record(report, 'bad', bad);
      problem(rec, 'bad', badReason(bad));
      return undefined;
    }
    const row = parsed.data;
    const normalisedName = normaliseCompanyName(row.name);
    const phoneNormalised = row.phone ? normalisePhone(row.phone) : undefined;

    const dbByName = existing.sameName(row.name, normalisedName);
    const dbByPhone = phoneNormalised ? existing.byPhone.get(phoneNormalised) : undefined;
    const fileByName = seenName.get(normalisedName);
    const fileByPhone = phoneNormalised ? seenPhone.get(phoneNormalised) : undefined;
    // Later rows that repeat this one are reported as in-file duplicates of it, whatever happened to it.
    if (fileByName === undefined) seenName.set(normalisedName, rec.line);
    if (phoneNormalised && fileByPhone === undefined) seenPhone.set(phoneNormalised, rec.line);

    const inDb = dbByName ?? dbByPhone;
    if (inDb) {
      const match: ExistingMatch = {
        line: rec.line,
        name: row.name,
        matchedBy: dbByName ? 'name' : 'phone',
        code: customerShortId(inDb),
        existingName: inDb.name,
        ownerName: inDb.ownerName,
      };
      record(report, 'existing', match);
      problem(rec, 'existing', existingReason(match));
      return undefined;
    }
    const firstLine = fileByName ?? fileByPhone;
    if (firstLine !== undefined) {
      const dup: InFileDuplicate = { line: rec.line, name: row.name, matchedBy: fileByName !== undefined ? 'name' : 'phone', firstLine };
      record(report, 'duplicates', dup);
      problem(rec, 'duplicate', duplicateReason(dup));
      return undefined;
    }
    const like = existing.similar(normalisedName);
    let similar: SimilarMatch | undefined;
    if (like) {
      similar = {
        line: rec.line,
        name: row.name,
        code: customerShortId(like.c),
        existingName: like.c.name,
        ownerName: like.c.ownerName,
        match: like.match.kind,
      };
      record(report, 'similar', similar);
      // When applying, the writer reports it once the row has its number.
      if (!opts.applying) problem(rec, 'similar', similarReason(similar));
    }
    const planned: PlannedRow = {
      line: rec.line,
      input: toNewCustomerInput(row),
      normalisedName,
      ...(phoneNormalised ? { phoneNormalised } : {}),
      // 负责人 empty: an owner-less lead; whom the rules choose is filled in by the import (dry run) or the writer.
      ownerId: owner.user?.id ?? null,
      ownerName: owner.user?.name ?? POOL_OWNER_NAME,
    };
    record(report, 'toCreate', planned);
    return similar ? { row: planned, similar } : { row: planned };
  }
  return { report, check };
}

/** The plan of a whole file in memory (records from parseCsv); lists are complete unless `keep` says otherwise. */
export function planCustomers(records: CsvRecord[], opts: PlanOptions, ctx: PlanContext): ImportReport {
  const [header, ...data] = records;
  const planner = customerPlanner(header, opts, ctx);
  data.forEach((rec, i) => {
    if (i % 500 === 0) opts.onProgress?.('check', i, data.length);
    planner.check(rec);
  });
  opts.onProgress?.('check', data.length, data.length);
  return planner.report;
}
