// What a people import found or did (the report the CLI prints and the admin API returns), and its Chinese text.
import { ROLE_LABELS, type Role } from '../domain/roles.js';
import { encodingLabel, type DetectedEncoding } from './decode.js';
import { type PlatformField, USER_FIELD_LABELS, type UserField } from './headers.js';

export interface UserRowPlan {
  line: number;
  name: string;
  action: 'create' | 'update' | 'unchanged';
  /** Role after the import (an update without 角色 keeps the current role). */
  role: Role;
  manager?: string;
  team?: string;
  region?: string;
  ids: Partial<Record<PlatformField, string>>;
  /** For updates: the matched person and how. */
  existingName?: string;
  matchedBy?: 'platform' | 'name';
  /** For updates: what changes, in words. */
  changes: string[];
}

export interface UsersImportReport {
  kind: 'users';
  applied: boolean;
  encoding?: DetectedEncoding;
  /** Data rows seen (header and blank lines excluded). */
  total: number;
  columns: { header: string; field: UserField }[];
  ignoredHeaders: string[];
  create: UserRowPlan[];
  update: UserRowPlan[];
  unchanged: UserRowPlan[];
  bad: Array<{ line: number; name: string; problems: string[] }>;
  newTeams: string[];
  /** Rows that will import but deserve a look (e.g. a new person without any platform id). */
  warnings: Array<{ line: number; name: string; message: string }>;
}

export function formatUsersReport(r: UsersImportReport, opts: { limit?: number } = {}): string {
  const limit = opts.limit ?? 50;
  const lines: string[] = [];
  const list = <T>(title: string, items: T[], line: (x: T) => string) => {
    if (items.length === 0) return;
    lines.push('', title);
    for (const x of items.slice(0, limit)) lines.push(`  ${line(x)}`);
    if (items.length > limit) lines.push(`  ……还有 ${items.length - limit} 行未列出`);
  };
  lines.push(`【人员导入 · ${r.applied ? '导入完成' : '试运行（没有写入数据库）'}】`);
  if (r.encoding) lines.push(`文件编码：${encodingLabel(r.encoding)}`);
  lines.push(`识别的列：${r.columns.map((c) => `${c.header}→${USER_FIELD_LABELS[c.field]}`).join('，')}`);
  if (r.ignoredHeaders.length > 0) lines.push(`未使用的列：${r.ignoredHeaders.join('，')}`);
  lines.push(`数据行：${r.total}`);
  lines.push(`  ${r.applied ? '已新建' : '将新建'}：${r.create.length}`);
  lines.push(`  ${r.applied ? '已更新' : '将更新'}：${r.update.length}`);
  lines.push(`  已存在且没有变化：${r.unchanged.length}`);
  lines.push(`  有问题需要修改：${r.bad.length}`);
  if (r.newTeams.length > 0) lines.push(`  ${r.applied ? '已新建团队' : '将新建团队'}：${r.newTeams.join('、')}`);

  list('请留意：', r.warnings, (w) => `第 ${w.line} 行「${w.name}」${w.message}`);
  list('需要修改的行：', r.bad, (b) => `第 ${b.line} 行${b.name ? `「${b.name}」` : '（无姓名）'}：${b.problems.join('；')}`);
  const describe = (u: UserRowPlan) =>
    [ROLE_LABELS[u.role], u.manager && `上级：${u.manager}`, u.team && `团队：${u.team}`, u.region && `地区：${u.region}`].filter(Boolean).join('，');
  list(r.applied ? '新建的人员：' : '将新建的人员：', r.create, (u) => `第 ${u.line} 行「${u.name}」${describe(u)}`);
  list(r.applied ? '更新的人员：' : '将更新的人员：', r.update, (u) => `第 ${u.line} 行「${u.name}」：${u.changes.join('；')}`);
  if (!r.applied && r.create.length + r.update.length > 0)
    lines.push('', `确认无误后，加上 --apply 重新运行即可写入（有问题的行不会导入，可改好后再导入一次）。`);
  return lines.join('\n');
}
