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
