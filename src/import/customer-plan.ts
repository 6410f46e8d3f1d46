// Planning a customer import, without writing: each row is checked (customer-rows.ts), its 负责人 resolved, and
// matched within the file and against the tenant's customers with createCustomer's keys (services/customers.ts
// customerIndex). The result is the report: what would be created, what exists, duplicates, rows to fix.
import { normaliseCompanyName, normalisePhone } from '../domain/names.js';
import { customerShortId, type CustomerIndex } from '../services/customers.js';
import type { User } from '../services/users.js';
import type { CsvRecord } from './decode.js';
import { ImportFileError } from './errors.js';
import { type HeaderMappingOptions, mapCustomerHeaders } from './headers.js';
import { customerRowSchema, rawCustomerRow, toNewCustomerInput } from './customer-rows.js';
import type { ImportReport } from './customer-report.js';
import type { OwnerDirectory } from './owners.js';

export interface PlanOptions extends HeaderMappingOptions {
  /** The person running the import; owner of rows whose 负责人 is empty. */
  importer: User;
  onProgress?: (phase: 'check' | 'apply', done: number, total: number) => void;
}

/** What the database has that the plan is checked against. */
export interface PlanContext {
  owners: OwnerDirectory;
  existing: CustomerIndex;
}

export function planCustomers(records: CsvRecord[], opts: PlanOptions, { owners, existing }: PlanContext): ImportReport {
  const [header, ...data] = records;
  if (!header) throw new ImportFileError('文件是空的：第 1 行应该是表头（公司名称、电话、地区……）。');
  const { columns, ignoredHeaders } = mapCustomerHeaders(header.cells, opts);
  const schema = customerRowSchema();
  const report: ImportReport = {
    applied: false,
    totalRows: data.length,
    columns: columns.map(({ header: h, field }) => ({ header: h, field })),
    ignoredHeaders,
    toCreate: [],
    existing: [],
    duplicates: [],
    similar: [],
    bad: [],
    created: [],
  };
  const seenName = new Map<string, number>();
  const seenPhone = new Map<string, number>();

  data.forEach((rec, i) => {
    if (i % 500 === 0) opts.onProgress?.('check', i, data.length);
    const raw = rawCustomerRow(rec, columns);
    const parsed = schema.safeParse(raw);
    const problems = parsed.success ? [] : parsed.error.issues.map((iss) => iss.message);
    let owner = opts.importer;
    if (raw.owner !== '') {
      const r = owners.resolve(raw.owner);
      if (r.ok) owner = r.user;
      else problems.push(r.problem);
    }
    if (!parsed.success || problems.length > 0) {
      report.bad.push({ line: rec.line, name: raw.name, problems });
      return;
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
      report.existing.push({
        line: rec.line,
        name: row.name,
        matchedBy: dbByName ? 'name' : 'phone',
        code: customerShortId(inDb),
        existingName: inDb.name,
        ownerName: inDb.ownerName,
      });
      return;
    }
    const firstLine = fileByName ?? fileByPhone;
    if (firstLine !== undefined) {
      report.duplicates.push({ line: rec.line, name: row.name, matchedBy: fileByName !== undefined ? 'name' : 'phone', firstLine });
      return;
    }
    const like = existing.similar(normalisedName);
    if (like) {
      report.similar.push({
        line: rec.line,
        name: row.name,
        code: customerShortId(like.c),
        existingName: like.c.name,
        ownerName: like.c.ownerName,
        match: like.match.kind,
      });
    }
    report.toCreate.push({
      line: rec.line,
      input: toNewCustomerInput(row),
      normalisedName,
      ...(phoneNormalised ? { phoneNormalised } : {}),
      ownerId: owner.id,
      ownerName: owner.name,
    });
  });
  opts.onProgress?.('check', data.length, data.length);
  return report;
}
