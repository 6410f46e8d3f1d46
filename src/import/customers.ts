// Customer CSV import: map headers (Chinese defaults), validate rows with zod, dedup within the file and against the
// database with the same keys as createCustomer, and report. Dry run by default; `apply` creates every creatable row
// through createCustomer inside ONE transaction, so short ids (C-12), audit rows and dedup rules stay the same.
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Db, DbOrTx } from '../db/client.js';
import { customers, userIdentities, users } from '../db/schema/index.js';
import { compareKeys, nameGrams, type NameMatch, normaliseCompanyName, normalisePhone, regionsOf } from '../domain/names.js';
import type { Ctx } from '../services/context.js';
import { createCustomer, customerShortId, type NewCustomerInput } from '../services/customers.js';
import { toActor, type User } from '../services/users.js';
import { encodingLabel, readCsvFile, type CsvRecord, type DetectedEncoding } from './decode.js';
import { fieldTooLong } from '../domain/text-gate.js';

export const IMPORT_FIELDS = ['name', 'phone', 'region', 'industry', 'grade', 'owner', 'source', 'tags'] as const;
export type ImportField = (typeof IMPORT_FIELDS)[number];

export const FIELD_LABELS: Record<ImportField, string> = {
  name: '公司名称',
  phone: '电话',
  region: '地区',
  industry: '行业',
  grade: '等级',
  owner: '负责人',
  source: '来源',
  tags: '标签',
};

/** Header text (after cleanHeader) → field. Callers may extend or override it with `mapping`. */
export const DEFAULT_HEADER_MAPPING: Readonly<Record<string, ImportField>> = {
  公司名称: 'name', 客户名称: 'name', 企业名称: 'name', 公司: 'name', 客户: 'name', 名称: 'name',
  电话: 'phone', 手机: 'phone', 手机号: 'phone', 手机号码: 'phone', 联系电话: 'phone', 电话号码: 'phone',
  地区: 'region', 区域: 'region', 城市: 'region', 所在地区: 'region',
  行业: 'industry', 所属行业: 'industry',
  等级: 'grade', 客户等级: 'grade', 级别: 'grade',
  负责人: 'owner', 销售: 'owner', 业务员: 'owner', 跟进人: 'owner',
  来源: 'source', 客户来源: 'source', 来源渠道: 'source',
  标签: 'tags',
};

/** "* 公司名称（必填）" → "公司名称"; case-folded so English headers can be mapped too. */
export function cleanHeader(h: string): string {
  return h
    .normalize('NFKC')
    .replace(/^\uFEFF/, '')
    .replace(/\s+/g, '')
    .replace(/^\*+|\*+$/g, '')
    .replace(/\([^)]*\)$/, '')
    .toLowerCase();
}

export class ImportFileError extends Error {
  constructor(readonly userMessage: string) {
    super(userMessage);
    this.name = 'ImportFileError';
  }
}

export interface ImportOptions {
  tenantId: string;
  /** The person running the import; owner of rows whose 负责人 is empty. */
  importer: User;
  /** Extra or overriding header → field entries; `null` ignores a header. */
  mapping?: Record<string, ImportField | null>;
  /** Use only `mapping`, not the Chinese defaults. */
  replaceDefaultMapping?: boolean;
  apply?: boolean;
  now?: Date;
  timeZone?: string;
  onProgress?: (phase: 'check' | 'apply', done: number, total: number) => void;
}

export interface PlannedRow {
  line: number;
  input: NewCustomerInput;
  normalisedName: string;
  phoneNormalised?: string;
  ownerId: string;
  ownerName: string;
}

export interface ExistingMatch {
  line: number;
  name: string;
  matchedBy: 'name' | 'phone';
  code: string;
  existingName: string;
  ownerName: string;
}

/** A row to create whose name is like an existing customer's (可能重复): listed so someone can /合并 them. */
export interface SimilarMatch {
  line: number;
  name: string;
  code: string;
  existingName: string;
  ownerName: string;
  match: NameMatch['kind'];
}

export interface InFileDuplicate {
  line: number;
  name: string;
  matchedBy: 'name' | 'phone';
  firstLine: number;
}

export interface BadRow {
  line: number;
  name: string;
  problems: string[];
}

export interface CreatedRow {
  line: number;
  code: string;
  name: string;
  ownerName: string;
}

export interface ImportReport {
  applied: boolean;
  encoding?: DetectedEncoding;
  /** Data rows seen (header and blank lines excluded). */
  totalRows: number;
  columns: { header: string; field: ImportField }[];
  ignoredHeaders: string[];
  toCreate: PlannedRow[];
  existing: ExistingMatch[];
  duplicates: InFileDuplicate[];
  /** Rows in toCreate (or created) that look like an existing customer; the merge list. */
  similar: SimilarMatch[];
  bad: BadRow[];
  /** Filled by apply. */
  created: CreatedRow[];
}

// ---------------------------------------------------------------------------------------------- row validation

const optionalText = (label: string, max: number) =>
  z
    .string()
    .trim()
    .max(max, `${label}太长（最多 ${max} 个字）`)
    .transform((v) => (v === '' ? undefined : v));

function rowSchema() {
  return z.object({
    name: z
      .string()
      .trim()
      .superRefine((v, ctx) => {
        if (v === '') ctx.addIssue({ code: 'custom', message: '公司名称为空，请填写完整的公司名称' });
        else if (fieldTooLong('companyName', v)) ctx.addIssue({ code: 'custom', message: fieldTooLong('companyName', v)! });
        else if (normaliseCompanyName(v).length < 2)
          ctx.addIssue({ code: 'custom', message: `公司名称「${v}」太短，请写出完整的公司名称` });
      }),
    phone: z
      .string()
      .trim()
      .superRefine((v, ctx) => {
        if (v === '' || normalisePhone(v)) return;
        const hint = /^\d(\.\d+)?e\+?\d+$/i.test(v)
          ? '（被 Excel 显示成了科学计数法，请把电话列设为“文本”格式后重新填写）'
          : '，请填 11 位手机号或带区号的座机号';
        ctx.addIssue({ code: 'custom', message: `电话「${v}」不像手机或座机号码${hint}` });
      })
      .transform((v) => (v === '' ? undefined : v)),
    region: optionalText('地区', 50),
    industry: optionalText('行业', 50),
    grade: z
      .string()
      .transform((v) => v.normalize('NFKC').trim().toUpperCase().replace(/(级|类|级客户|类客户)$/, ''))
      .superRefine((v, ctx) => {
        if (v !== '' && v !== 'A' && v !== 'B' && v !== 'C')
          ctx.addIssue({ code: 'custom', message: `等级「${v}」无效，只能填 A、B 或 C（也可以留空）` });
      })
      .transform((v) => (v === '' ? undefined : (v as 'A' | 'B' | 'C'))),
    owner: z.string().trim(),
    source: optionalText('来源', 50),
    tags: z
      .string()
      .transform((v) => [...new Set(v.split(/[、,，;；]/).map((t) => t.trim()).filter((t) => t !== ''))])
      .superRefine((v, ctx) => {
        if (v.length > 20) ctx.addIssue({ code: 'custom', message: '标签太多（最多 20 个）' });
        const long = v.find((t) => t.length > 30);
        if (long) ctx.addIssue({ code: 'custom', message: `标签「${long}」太长（最多 30 个字）` });
      }),
  });
}

// ---------------------------------------------------------------------------------------------- owners

interface OwnerDirectory {
  resolve(text: string): { ok: true; user: User } | { ok: false; problem: string };
}

async function loadOwners(db: DbOrTx, tenantId: string): Promise<OwnerDirectory> {
  const all = await db.select().from(users).where(eq(users.tenantId, tenantId));
  const ids = await db
    .select({ userId: userIdentities.userId, pid: userIdentities.platformUserId })
    .from(userIdentities)
    .where(eq(userIdentities.tenantId, tenantId));
  const byId = new Map(all.map((u) => [u.id, u]));
  const byName = new Map<string, User[]>();
  for (const u of all) {
    const k = u.name.normalize('NFKC').trim();
    byName.set(k, [...(byName.get(k) ?? []), u]);
  }
  const byPid = new Map<string, User>();
  for (const i of ids) {
    const u = byId.get(i.userId);
    if (u) byPid.set(i.pid, u);
  }
  return {
    resolve(text) {
      const k = text.normalize('NFKC').trim();
      const named = byName.get(k) ?? [];
      const active = named.filter((u) => u.active);
      const viaPid = byPid.get(text.trim());
      if (active.length === 1) return { ok: true, user: active[0]! };
      if (active.length > 1)
        return { ok: false, problem: `负责人「${text}」有 ${active.length} 个同名用户，请改填其企业微信/钉钉/飞书账号 ID` };
      if (viaPid?.active) return { ok: true, user: viaPid };
      if (named.length > 0 || viaPid)
        return { ok: false, problem: `负责人「${text}」已停用（离职），请改成在职同事` };
      return { ok: false, problem: `负责人「${text}」不是系统里的用户，请填写同事在系统中的名字或账号 ID` };
    },
  };
}

// ---------------------------------------------------------------------------------------------- planning

interface ExistingCustomer {
  shortNo: number;
  name: string;
  normalisedName: string;
  ownerName: string;
}

/**
 * The tenant's customers keyed as createCustomer matches them: by key (a merged customer stands for the one it
 * was merged into), by phone, and by bigram for the same "maybe the same company" rule as findSimilarCustomers.
 */
async function loadExisting(db: DbOrTx, tenantId: string) {
  const rows = await db
    .select({
      id: customers.id,
      shortNo: customers.shortNo,
      name: customers.name,
      normalisedName: customers.normalisedName,
      phoneNormalised: customers.phoneNormalised,
      mergedIntoId: customers.mergedIntoId,
      ownerName: users.name,
    })
    .from(customers)
    .innerJoin(users, eq(users.id, customers.ownerId))
    .where(eq(customers.tenantId, tenantId))
    .orderBy(customers.shortNo);
  const byId = new Map(rows.map((r) => [r.id, r]));
  const survivor = (r: (typeof rows)[number]) => {
    let cur = r;
    for (let hops = 0; cur.mergedIntoId && hops < 10; hops++) cur = byId.get(cur.mergedIntoId) ?? cur;
    return cur;
  };
  const byName = new Map<string, { stated: ExistingCustomer; as: ExistingCustomer }[]>();
  const byPhone = new Map<string, ExistingCustomer>();
  const byGram = new Map<string, ExistingCustomer[]>();
  for (const r of rows) {
    const as = survivor(r);
    byName.set(r.normalisedName, [...(byName.get(r.normalisedName) ?? []), { stated: r, as }]);
    if (r.phoneNormalised) byPhone.set(r.phoneNormalised, as);
    if (r.mergedIntoId) continue;
    for (const g of nameGrams(r.normalisedName)) {
      const list = byGram.get(g);
      if (list) list.push(r);
      else byGram.set(g, [r]);
    }
  }
  return {
    /** The customer this name already is: same key and no two different stated places (see findDuplicate). */
    sameName(name: string, key: string): ExistingCustomer | undefined {
      const mine = regionsOf(name);
      return byName.get(key)?.find(({ stated }) => {
        const theirs = regionsOf(stated.name);
        return mine.length === 0 || theirs.length === 0 || theirs.some((x) => mine.includes(x));
      })?.as;
    },
    byPhone,
    similar(key: string): { c: ExistingCustomer; match: NameMatch } | undefined {
      const seen = new Set<ExistingCustomer>();
      let best: { c: ExistingCustomer; match: NameMatch } | undefined;
      for (const g of nameGrams(key)) {
        for (const c of byGram.get(g) ?? []) {
          if (seen.has(c)) continue;
          seen.add(c);
          const match = compareKeys(key, c.normalisedName);
          if (match && (!best || match.score > best.match.score)) best = { c, match };
        }
      }
      return best;
    },
  };
}

function mapHeaders(header: string[], opts: ImportOptions) {
  const mapping = new Map<string, ImportField | null>();
  if (!opts.replaceDefaultMapping) for (const [k, v] of Object.entries(DEFAULT_HEADER_MAPPING)) mapping.set(cleanHeader(k), v);
  for (const [k, v] of Object.entries(opts.mapping ?? {})) mapping.set(cleanHeader(k), v);
  const columns: { index: number; header: string; field: ImportField }[] = [];
  const ignoredHeaders: string[] = [];
  header.forEach((h, index) => {
    const field = mapping.get(cleanHeader(h));
    if (field) columns.push({ index, header: h.trim(), field });
    else if (h.trim() !== '') ignoredHeaders.push(h.trim());
  });
  if (!columns.some((c) => c.field === 'name')) {
    throw new ImportFileError(
      `第 1 行（表头）里找不到“公司名称”列。现有表头：${header.map((h) => `「${h.trim()}」`).join('、') || '（空）'}。` +
        '请把公司名称所在列的表头改成“公司名称”，或在导入时指定表头映射。',
    );
  }
  return { columns, ignoredHeaders };
}

const EMPTY_ROW: Record<ImportField, string> = { name: '', phone: '', region: '', industry: '', grade: '', owner: '', source: '', tags: '' };

async function plan(db: DbOrTx, records: CsvRecord[], opts: ImportOptions): Promise<ImportReport> {
  const [header, ...data] = records;
  if (!header) throw new ImportFileError('文件是空的：第 1 行应该是表头（公司名称、电话、地区……）。');
  const { columns, ignoredHeaders } = mapHeaders(header.cells, opts);
  const owners = await loadOwners(db, opts.tenantId);
  const existing = await loadExisting(db, opts.tenantId);
  const schema = rowSchema();
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
    const raw: Record<ImportField, string> = { ...EMPTY_ROW };
    // Several headers may map to one field (电话 and 手机): the first non-empty cell wins.
    for (const c of columns) if (raw[c.field] === '') raw[c.field] = rec.cells[c.index]?.trim() ?? '';
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
    const input: NewCustomerInput = { name: row.name };
    if (row.phone) input.phone = row.phone;
    if (row.region) input.region = row.region;
    if (row.industry) input.industry = row.industry;
    if (row.grade) input.grade = row.grade;
    if (row.source) input.sourceChannel = row.source;
    if (row.tags.length > 0) input.tags = row.tags;
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
      input,
      normalisedName,
      ...(phoneNormalised ? { phoneNormalised } : {}),
      ownerId: owner.id,
      ownerName: owner.name,
    });
  });
  opts.onProgress?.('check', data.length, data.length);
  return report;
}

// ---------------------------------------------------------------------------------------------- entry points

export async function importCustomers(db: Db, records: CsvRecord[], opts: ImportOptions): Promise<ImportReport> {
  if (!opts.apply) return plan(db, records, opts);
  return db.transaction(async (tx) => {
    // Plan again inside the transaction so the checks see exactly what the inserts will.
    const report = await plan(tx, records, opts);
    const owners = new Map<string, User>([[opts.importer.id, opts.importer]]);
    for (const u of await tx.select().from(users).where(eq(users.tenantId, opts.tenantId))) owners.set(u.id, u);
    const now = opts.now ?? new Date();
    const total = report.toCreate.length;
    let done = 0;
    const stillNew: PlannedRow[] = [];
    for (const row of report.toCreate) {
      const ctx: Ctx = { db: tx, actor: toActor(owners.get(row.ownerId)!), now, timeZone: opts.timeZone ?? 'Asia/Shanghai' };
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
  });
}

export async function importCustomersFromFile(db: Db, path: string, opts: ImportOptions): Promise<ImportReport> {
  const { encoding, records } = await readCsvFile(path);
  return { ...(await importCustomers(db, records, opts)), encoding };
}

/** The importer's user row: by name or platform id when given, else the tenant's first admin (or first user). */
export async function findImporter(db: DbOrTx, tenantId: string, who?: string): Promise<User> {
  const all = await db.select().from(users).where(and(eq(users.tenantId, tenantId), eq(users.active, true))).orderBy(users.createdAt);
  if (all.length === 0) throw new ImportFileError('这个租户里还没有任何用户。请先让至少一位同事在企业微信/钉钉/飞书里和机器人说句话，再导入。');
  if (who) {
    const r = (await loadOwners(db, tenantId)).resolve(who);
    if (!r.ok) throw new ImportFileError(r.problem.replace('负责人', '导入人'));
    return r.user;
  }
  return all.find((u) => u.role === 'admin') ?? all.find((u) => u.role === 'director') ?? all[0]!;
}

// ---------------------------------------------------------------------------------------------- report text

const MATCH_LABEL = { name: '公司名相同', phone: '电话相同' } as const;

export function formatReport(report: ImportReport, opts: { limit?: number } = {}): string {
  const limit = opts.limit ?? 50;
  const lines: string[] = [];
  const more = (n: number) => (n > limit ? [`  ……还有 ${n - limit} 行未列出`] : []);
  const head = report.applied ? '导入完成' : '试运行（没有写入数据库）';
  lines.push(`【客户导入 · ${head}】`);
  if (report.encoding) lines.push(`文件编码：${encodingLabel(report.encoding)}`);
  lines.push(`识别的列：${report.columns.map((c) => `${c.header}→${FIELD_LABELS[c.field]}`).join('，')}`);
  if (report.ignoredHeaders.length > 0) lines.push(`未使用的列：${report.ignoredHeaders.join('，')}`);
  lines.push(`数据行：${report.totalRows}`);
  if (report.applied) lines.push(`  已新建：${report.created.length}`);
  else lines.push(`  将新建：${report.toCreate.length}`);
  lines.push(`  已存在（不会重复创建）：${report.existing.length}`);
  lines.push(`  文件内重复（只导入第一次出现的行）：${report.duplicates.length}`);
  if (report.similar.length > 0) lines.push(`  可能重复（名称相似，${report.applied ? '已新建' : '会新建'}，请核对）：${report.similar.length}`);
  lines.push(`  有问题需要修改：${report.bad.length}`);

  if (report.bad.length > 0) {
    lines.push('', '需要修改的行：');
    for (const b of report.bad.slice(0, Math.max(limit, 200))) lines.push(`  第 ${b.line} 行${b.name ? `「${b.name}」` : ''}：${b.problems.join('；')}`);
    if (report.bad.length > Math.max(limit, 200)) lines.push(`  ……还有 ${report.bad.length - Math.max(limit, 200)} 行未列出`);
  }
  if (report.existing.length > 0) {
    lines.push('', '已存在的客户：');
    for (const e of report.existing.slice(0, limit))
      lines.push(`  第 ${e.line} 行「${e.name}」→ ${e.code} ${e.existingName}（${MATCH_LABEL[e.matchedBy]}，负责人：${e.ownerName}）`);
    lines.push(...more(report.existing.length));
  }
  if (report.duplicates.length > 0) {
    lines.push('', '文件内重复：');
    for (const d of report.duplicates.slice(0, limit))
      lines.push(`  第 ${d.line} 行「${d.name}」与第 ${d.firstLine} 行${MATCH_LABEL[d.matchedBy]}`);
    lines.push(...more(report.duplicates.length));
  }
  if (report.similar.length > 0) {
    lines.push('', '可能重复（名称与已有客户相似，请核对；确是同一家的，导入后可用 /合并 <新编号> <已有编号> 合并）：');
    const codeOf = new Map(report.created.map((c) => [c.line, c.code]));
    for (const x of report.similar.slice(0, limit)) {
      const created = codeOf.get(x.line);
      lines.push(`  第 ${x.line} 行「${x.name}」${created ? `（已新建 ${created}）` : ''} ≈ ${x.code} ${x.existingName}（负责人：${x.ownerName}）`);
    }
    lines.push(...more(report.similar.length));
  }
  if (!report.applied && report.toCreate.length > 0) {
    lines.push('', `确认无误后，加上 --apply 重新运行即可新建这 ${report.toCreate.length} 个客户。`);
  }
  if (report.applied && report.created.length > 0) {
    const first = report.created[0]!;
    const last = report.created[report.created.length - 1]!;
    lines.push('', `新客户编号：${first === last ? first.code : `${first.code} … ${last.code}`}`);
  }
  return lines.join('\n');
}
