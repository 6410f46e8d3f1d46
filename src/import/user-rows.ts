// One row of a people file on its own: its cells by field (NFC, trimmed) and what is wrong with them — empty or
// too long names, an unknown role, a platform id with characters no platform uses, a repeat of an earlier line.
import { parseRole, ROLE_LABELS, type Role } from '../domain/roles.js';
import type { CsvRecord } from './decode.js';
import { PLATFORM_FIELDS, type PlatformField, USER_FIELD_LABELS, type UserField } from './headers.js';

const MAX_NAME = 64;
const MAX_TEXT = 64;
const PLATFORM_ID = /^[\w.@-]{1,128}$/;

export interface UserRow {
  line: number;
  name: string;
  roleGiven?: Role;
  /** The row's platform ids that passed the checks. */
  ids: Partial<Record<PlatformField, string>>;
  manager?: string;
  team?: string;
  region?: string;
  problems: string[];
}

/** The earlier lines of the same file, for "与第 n 行相同". */
export interface EarlierLines {
  name(name: string): number | undefined;
  platformId(platform: PlatformField, pid: string): number | undefined;
}

export function readUserRow(rec: CsvRecord, used: Map<number, UserField>, earlier: EarlierLines): UserRow {
  const v: Partial<Record<UserField, string>> = {};
  for (const [i, f] of used) {
    const cell = (rec.cells[i] ?? '').normalize('NFC').trim();
    if (cell) v[f] = cell;
  }
  const problems: string[] = [];
  const name = v.name ?? '';
  const sameName = name ? earlier.name(name) : undefined;
  if (!name) problems.push('“姓名”为空');
  else if (name.length > MAX_NAME) problems.push(`“姓名”太长（最多 ${MAX_NAME} 个字）`);
  else if (sameName !== undefined) problems.push(`与第 ${sameName} 行重名（同一个人只写一行；同名的两个人请在姓名后加区分，如“张伟2”）`);
  const roleGiven = v.role ? parseRole(v.role.normalize('NFKC')) : undefined;
  if (v.role && !roleGiven) problems.push(`“角色”写的是「${v.role}」，应为 ${Object.values(ROLE_LABELS).join('、')} 之一（或 经理、总监、rep、manager…）`);
  for (const k of ['team', 'region'] as const)
    if ((v[k]?.length ?? 0) > MAX_TEXT) problems.push(`“${USER_FIELD_LABELS[k]}”太长（最多 ${MAX_TEXT} 个字）`);
  if (v.manager && v.manager === name) problems.push('“上级”不能是自己');

  const ids: UserRow['ids'] = {};
  for (const p of PLATFORM_FIELDS) {
    const pid = v[p];
    if (!pid) continue;
    const sameId = earlier.platformId(p, pid);
    if (!PLATFORM_ID.test(pid)) problems.push(`${USER_FIELD_LABELS[p]}「${pid}」含有不允许的字符（只能是字母、数字和 _ - . @）`);
    else if (sameId !== undefined) problems.push(`${USER_FIELD_LABELS[p]}「${pid}」与第 ${sameId} 行相同`);
    else ids[p] = pid;
  }
  return {
    line: rec.line,
    name,
    ...(roleGiven ? { roleGiven } : {}),
    ids,
    ...(v.manager ? { manager: v.manager } : {}),
    ...(v.team ? { team: v.team } : {}),
    ...(v.region ? { region: v.region } : {}),
    problems,
  };
}
