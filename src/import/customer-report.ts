// What a customer import found or did (the report the CLI prints and the admin API returns), and its Chinese text.
import type { NameMatch } from '../domain/names.js';
import type { NewCustomerInput } from '../services/customers.js';
import { encodingLabel, type DetectedEncoding } from './decode.js';
import { FIELD_LABELS, type ImportField } from './headers.js';

export interface PlannedRow {
  line: number;
  input: NewCustomerInput;
  normalisedName: string;
  phoneNormalised?: string;
  /** null: 负责人 was empty — an owner-less lead for the assignment rules. */
  ownerId: string | null;
  /** The named owner; for an owner-less row, whom the rules chose (公海 when nobody). */
  ownerName: string;
  /** For an owner-less row: which rule chose whom (the assignment's own Chinese reason). */
  rule?: string;
}

/** An owner-less row and what the assignment rules did (apply) or would do (dry run) with it. */
export interface PoolRow {
  line: number;
  name: string;
  /** 公海 when no rule or team placed it. */
  ownerName: string;
  rule: string;
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
  /** The short id it was created as (apply). */
  createdCode?: string;
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
  /** For a row whose 负责人 was empty: which rule chose the owner. */
  rule?: string;
}

/** How many rows had each outcome; the lists below hold the first `kept` of each. */
export interface ImportCounts {
  toCreate: number;
  created: number;
  existing: number;
  duplicates: number;
  similar: number;
  bad: number;
}
export type ListName = keyof ImportCounts;

export interface ImportReport {
  applied: boolean;
  encoding?: DetectedEncoding;
  /** Data rows seen (header and blank lines excluded). */
  totalRows: number;
  columns: { header: string; field: ImportField }[];
  ignoredHeaders: string[];
  counts: ImportCounts;
  /** Each list keeps at most this many entries (a 200,000-row file is summarised, not listed). */
  kept: number;
  /** The first and last short ids created (apply). */
  firstCode?: string;
  lastCode?: string;
  toCreate: PlannedRow[];
  existing: ExistingMatch[];
  duplicates: InFileDuplicate[];
  /** Rows in toCreate (or created) that look like an existing customer; the merge list. */
  similar: SimilarMatch[];
  bad: BadRow[];
  /** Filled by apply. */
  created: CreatedRow[];
  /** Rows whose 负责人 is empty: how many, how many per rule (the rule's text names whom), the first `kept`. */
  pool: { count: number; byRule: Record<string, number>; rows: PoolRow[] };
}

type ListItem<K extends ListName> = ImportReport[K][number];

export function emptyReport(columns: ImportReport['columns'], ignoredHeaders: string[], kept: number): ImportReport {
  return {
    applied: false,
    totalRows: 0,
    columns,
    ignoredHeaders,
    counts: { toCreate: 0, created: 0, existing: 0, duplicates: 0, similar: 0, bad: 0 },
    kept,
    toCreate: [],
    existing: [],
    duplicates: [],
    similar: [],
    bad: [],
    created: [],
    pool: { count: 0, byRule: {}, rows: [] },
  };
}

/** Counts an owner-less row under its rule and keeps it while the list is under `kept`. */
export function recordPool(report: ImportReport, row: PoolRow): void {
  report.pool.count++;
  report.pool.byRule[row.rule] = (report.pool.byRule[row.rule] ?? 0) + 1;
  if (report.pool.rows.length < report.kept) report.pool.rows.push(row);
}

/** Counts an outcome and keeps it while its list is under `kept`. */
export function record<K extends ListName>(report: ImportReport, list: K, item: ListItem<K>): void {
  report.counts[list]++;
  const l = report[list] as ListItem<K>[];
  if (l.length < report.kept) l.push(item);
}

// ------------------------------------------------------------------------------------ the problems file

/** 需修改: fix and import again; 已存在 / 文件内重复: not created; 可能重复: created, check it. */
export type ProblemKind = 'bad' | 'existing' | 'duplicate' | 'similar';
export const PROBLEM_LABEL: Record<ProblemKind, string> = { bad: '需修改', existing: '已存在', duplicate: '文件内重复', similar: '可能重复' };

/** One row of the problems file: where, what, why, and the row's own cells (so it can be fixed and imported again). */
export interface ProblemRow {
  line: number;
  kind: ProblemKind;
  reason: string;
  cells: string[];
}

const MATCH_LABEL = { name: '公司名相同', phone: '电话相同' } as const;

export const badReason = (b: BadRow) => b.problems.join('；');
export const existingReason = (e: ExistingMatch) => `已有客户 ${e.code}「${e.existingName}」（${MATCH_LABEL[e.matchedBy]}，负责人：${e.ownerName}），不会重复创建`;
export const duplicateReason = (d: InFileDuplicate) => `与第 ${d.firstLine} 行${MATCH_LABEL[d.matchedBy]}，只导入第一次出现的行`;
export const similarReason = (x: SimilarMatch, createdCode?: string) =>
  `名称与已有客户 ${x.code}「${x.existingName}」相似（负责人：${x.ownerName}），${createdCode ? `已新建 ${createdCode}` : '会新建'}；确是同一家的，请用 /合并 合并`;

export function formatReport(report: ImportReport, opts: { limit?: number } = {}): string {
  const limit = opts.limit ?? 50;
  const lines: string[] = [];
  const more = (count: number, list: unknown[]) => {
    const shown = Math.min(limit, list.length);
    return count > shown ? [`  ……还有 ${count - shown} 行未列出`] : [];
  };
  const head = report.applied ? '导入完成' : '试运行（没有写入数据库）';
  lines.push(`【客户导入 · ${head}】`);
  if (report.encoding) lines.push(`文件编码：${encodingLabel(report.encoding)}`);
  lines.push(`识别的列：${report.columns.map((c) => `${c.header}→${FIELD_LABELS[c.field]}`).join('，')}`);
  if (report.ignoredHeaders.length > 0) lines.push(`未使用的列：${report.ignoredHeaders.join('，')}`);
  const n = report.counts;
  lines.push(`数据行：${report.totalRows}`);
  if (report.applied) lines.push(`  已新建：${n.created}`);
  else lines.push(`  将新建：${n.toCreate}`);
  lines.push(`  已存在（不会重复创建）：${n.existing}`);
  lines.push(`  文件内重复（只导入第一次出现的行）：${n.duplicates}`);
  if (n.similar > 0) lines.push(`  可能重复（名称相似，${report.applied ? '已新建' : '会新建'}，请核对）：${n.similar}`);
  lines.push(`  有问题需要修改：${n.bad}`);

  if (report.pool.count > 0) {
    const p = report.pool;
    lines.push(`  负责人为空（按分配规则${report.applied ? '分配' : '将分配'}，没有规则或团队可用的留在公海）：${p.count}`);
    lines.push('', `负责人为空的行${report.applied ? '' : '将'}按分配规则：`);
    for (const [rule, k] of Object.entries(p.byRule).sort((a, b) => b[1] - a[1])) lines.push(`  ${rule}：${k} 行`);
    lines.push('', `负责人为空的行${report.applied ? '分配结果' : '将分配给'}：`);
    for (const r of p.rows.slice(0, limit)) lines.push(`  第 ${r.line} 行「${r.name}」→ ${r.ownerName}（${r.rule}）`);
    lines.push(...more(p.count, p.rows));
  }

  if (n.bad > 0) {
    const shown = report.bad.slice(0, Math.max(limit, 200));
    lines.push('', '需要修改的行：');
    for (const b of shown) lines.push(`  第 ${b.line} 行${b.name ? `「${b.name}」` : ''}：${b.problems.join('；')}`);
    if (n.bad > shown.length) lines.push(`  ……还有 ${n.bad - shown.length} 行未列出`);
  }
  if (n.existing > 0) {
    lines.push('', '已存在的客户：');
    for (const e of report.existing.slice(0, limit))
      lines.push(`  第 ${e.line} 行「${e.name}」→ ${e.code} ${e.existingName}（${MATCH_LABEL[e.matchedBy]}，负责人：${e.ownerName}）`);
    lines.push(...more(n.existing, report.existing));
  }
  if (n.duplicates > 0) {
    lines.push('', '文件内重复：');
    for (const d of report.duplicates.slice(0, limit))
      lines.push(`  第 ${d.line} 行「${d.name}」与第 ${d.firstLine} 行${MATCH_LABEL[d.matchedBy]}`);
    lines.push(...more(n.duplicates, report.duplicates));
  }
  if (n.similar > 0) {
    lines.push('', '可能重复（名称与已有客户相似，请核对；确是同一家的，导入后可用 /合并 <新编号> <已有编号> 合并）：');
    const codeOf = new Map(report.created.map((c) => [c.line, c.code]));
    for (const x of report.similar.slice(0, limit)) {
      const created = x.createdCode ?? codeOf.get(x.line);
      lines.push(`  第 ${x.line} 行「${x.name}」${created ? `（已新建 ${created}）` : ''} ≈ ${x.code} ${x.existingName}（负责人：${x.ownerName}）`);
    }
    lines.push(...more(n.similar, report.similar));
  }
  if (!report.applied && n.toCreate > 0) {
    lines.push('', `确认无误后，加上 --apply 重新运行即可新建这 ${n.toCreate} 个客户。`);
  }
  if (report.applied && report.firstCode) {
    lines.push('', `新客户编号：${report.firstCode === report.lastCode ? report.firstCode : `${report.firstCode} … ${report.lastCode}`}`);
  }
  return lines.join('\n');
}
