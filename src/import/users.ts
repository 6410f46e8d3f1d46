// People import (`npm run import -- 人员.csv`): name, platform ids, role, manager, team, region. Dry run by default;
// apply writes everything in one transaction. Existing people are matched by platform id, then by exact name, and
// updated — never duplicated; a row that would change nothing is reported as unchanged and not written. Managers
// may be named before or after their reports in the file; a manager that is unknown, has a problem row, or would
// close a loop (A → B → A, also through people already in the system) makes the row a bad row.
import { and, eq } from 'drizzle-orm';
import type { Db, DbOrTx } from '../db/client.js';
import { auditLog, teams, userIdentities, users } from '../db/schema/index.js';
import { parseRole, ROLE_LABELS, type Role } from '../domain/roles.js';
import { cleanHeader, DEFAULT_HEADER_MAPPING, ImportFileError } from './customers.js';
import { type CsvRecord, encodingLabel, type DetectedEncoding } from './decode.js';
import { loopThrough } from '../domain/reporting-line.js';

export type UserField = 'name' | 'wecom' | 'dingtalk' | 'feishu' | 'role' | 'manager' | 'team' | 'region';
export const PLATFORM_FIELDS = ['wecom', 'dingtalk', 'feishu'] as const;
type PlatformField = (typeof PLATFORM_FIELDS)[number];

export const USER_FIELD_LABELS: Record<UserField, string> = {
  name: '姓名',
  wecom: '企业微信ID',
  dingtalk: '钉钉ID',
  feishu: '飞书ID',
  role: '角色',
  manager: '上级',
  team: '团队',
  region: '地区',
};

/** Header text (after cleanHeader: NFKC, no spaces, lower case) → field. */
export const USER_HEADERS: Readonly<Record<string, UserField>> = {
  姓名: 'name', 名字: 'name', 员工: 'name', 员工姓名: 'name', name: 'name',
  企业微信id: 'wecom', 企业微信账号: 'wecom', 企业微信userid: 'wecom', 企微id: 'wecom', wecom: 'wecom',
  钉钉id: 'dingtalk', 钉钉userid: 'dingtalk', 钉钉staffid: 'dingtalk', 钉钉账号: 'dingtalk', dingtalk: 'dingtalk',
  飞书id: 'feishu', 飞书openid: 'feishu', 飞书open_id: 'feishu', 飞书账号: 'feishu', feishu: 'feishu',
  角色: 'role', 岗位: 'role', role: 'role',
  上级: 'manager', 直属上级: 'manager', 上级姓名: 'manager', 汇报对象: 'manager', manager: 'manager',
  团队: 'team', 小组: 'team', 部门: 'team', team: 'team',
  地区: 'region', 区域: 'region', region: 'region',
};

const fieldOf = (header: string): UserField | undefined => USER_HEADERS[cleanHeader(header)];

/** A people file: a 姓名 column plus a platform id or role column. */
export function isUsersFile(header: string[]): boolean {
  const fields = header.map(fieldOf);
  return fields.includes('name') && fields.some((f) => f === 'wecom' || f === 'dingtalk' || f === 'feishu' || f === 'role');
}

/** Which import a header row belongs to: a company-name column (公司名称…) → customers, else 姓名 → users. */
export function detectImportKind(header: string[]): 'customers' | 'users' {
  const customerFields = new Map(Object.entries(DEFAULT_HEADER_MAPPING).map(([k, v]) => [cleanHeader(k), v]));
  if (header.some((h) => customerFields.get(cleanHeader(h)) === 'name')) return 'customers';
  return header.some((h) => fieldOf(h) === 'name') ? 'users' : 'customers';
}

const MAX_NAME = 64;
const MAX_TEXT = 64;
const PLATFORM_ID = /^[\w.@-]{1,128}$/;

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

export interface UsersImportOptions {
  tenantId: string;
  apply?: boolean;
  now?: Date;
}

// ---------------------------------------------------------------------------------------------- directory

interface Person {
  id: string;
  name: string;
  role: Role;
  managerId: string | null;
  teamId: string | null;
  region: string | null;
  active: boolean;
  ids: Partial<Record<PlatformField, string[]>>;
}

async function loadDirectory(db: DbOrTx, tenantId: string) {
  const rows = await db
    .select({ id: users.id, name: users.name, role: users.role, managerId: users.managerId, teamId: users.teamId, region: users.region, active: users.active })
    .from(users)
    .where(eq(users.tenantId, tenantId));
  const people = new Map<string, Person>(rows.map((r) => [r.id, { ...r, ids: {} }]));
  const identities = await db
    .select({ userId: userIdentities.userId, platform: userIdentities.platform, pid: userIdentities.platformUserId })
    .from(userIdentities)
    .where(eq(userIdentities.tenantId, tenantId));
  const byPlatform = new Map<string, Person>();
  for (const i of identities) {
    const p = people.get(i.userId);
    if (!p || i.platform === 'console') continue;
    byPlatform.set(`${i.platform}:${i.pid}`, p);
    (p.ids[i.platform] ??= []).push(i.pid);
  }
  const byName = new Map<string, Person[]>();
  for (const p of people.values()) byName.set(p.name, [...(byName.get(p.name) ?? []), p]);
  const teamRows = await db.select({ id: teams.id, name: teams.name }).from(teams).where(eq(teams.tenantId, tenantId));
  return {
    people,
    byPlatform,
    byName,
    teamByName: new Map(teamRows.map((t) => [t.name, t.id])),
    teamById: new Map(teamRows.map((t) => [t.id, t.name])),
  };
}
type Directory = Awaited<ReturnType<typeof loadDirectory>>;

// ---------------------------------------------------------------------------------------------- planning

/** Where a row's manager comes from: another row of this file, or someone already in the system. */
type ManagerRef = { line: number } | { userId: string };

interface Row {
  line: number;
  name: string;
  roleGiven?: Role;
  ids: Partial<Record<PlatformField, string>>;
  manager?: string;
  team?: string;
  region?: string;
  existing?: Person;
  matchedBy?: 'platform' | 'name';
  managerRef?: ManagerRef;
  problems: string[];
}

interface Plan {
  report: Omit<UsersImportReport, 'applied'>;
  /** Rows to write (create + update), in file order, with their resolved manager. */
  rows: Row[];
  /** Line → person already in the system, for every good row that matched one (managers may point at them). */
  existingIdOfLine: Map<number, string>;
}

function readRows(records: CsvRecord[], dir: Directory) {
  const [head, ...data] = records;
  if (!head) throw new ImportFileError('文件是空的：第 1 行应该是表头（姓名、企业微信ID、角色、上级、团队、地区……）。');
  const cols = head.cells.map(fieldOf);
  if (!cols.includes('name'))
    throw new ImportFileError(
      `第 1 行（表头）里找不到“姓名”列。现有表头：${head.cells.map((h) => `「${h.trim()}」`).join('、') || '（空）'}。` +
        '人员文件的表头例如：姓名,企业微信ID,钉钉ID,飞书ID,角色,上级,团队,地区',
    );
  const columns: UsersImportReport['columns'] = [];
  const ignoredHeaders: string[] = [];
  const used = new Map<number, UserField>();
  head.cells.forEach((h, i) => {
    const f = cols[i];
    if (f && !columns.some((c) => c.field === f)) {
      columns.push({ header: h.trim(), field: f });
      used.set(i, f);
    } else if (h.trim() !== '') ignoredHeaders.push(h.trim());
  });

  const rows: Row[] = [];
  const nameSeen = new Map<string, number>();
  const idSeen = new Map<string, number>();
  const personSeen = new Map<string, number>();
  for (const rec of data) {
    const v: Partial<Record<UserField, string>> = {};
    for (const [i, f] of used) {
      const cell = (rec.cells[i] ?? '').normalize('NFC').trim();
      if (cell) v[f] = cell;
    }
    const problems: string[] = [];
    const name = v.name ?? '';
    if (!name) problems.push('“姓名”为空');
    else if (name.length > MAX_NAME) problems.push(`“姓名”太长（最多 ${MAX_NAME} 个字）`);
    else if (nameSeen.has(name)) problems.push(`与第 ${nameSeen.get(name)} 行重名（同一个人只写一行；同名的两个人请在姓名后加区分，如“张伟2”）`);
    const roleGiven = v.role ? parseRole(v.role.normalize('NFKC')) : undefined;
    if (v.role && !roleGiven) problems.push(`“角色”写的是「${v.role}」，应为 ${Object.values(ROLE_LABELS).join('、')} 之一（或 经理、总监、rep、manager…）`);
    for (const k of ['team', 'region'] as const)
      if ((v[k]?.length ?? 0) > MAX_TEXT) problems.push(`“${USER_FIELD_LABELS[k]}”太长（最多 ${MAX_TEXT} 个字）`);
    if (v.manager && v.manager === name) problems.push('“上级”不能是自己');

    const ids: Row['ids'] = {};
    for (const p of PLATFORM_FIELDS) {
      const pid = v[p];
      if (!pid) continue;
      if (!PLATFORM_ID.test(pid)) problems.push(`${USER_FIELD_LABELS[p]}「${pid}」含有不允许的字符（只能是字母、数字和 _ - . @）`);
      else if (idSeen.has(`${p}:${pid}`)) problems.push(`${USER_FIELD_LABELS[p]}「${pid}」与第 ${idSeen.get(`${p}:${pid}`)} 行相同`);
      else ids[p] = pid;
    }

    // The same person: by a platform id, else by exact name when that name is unique in the system.
    const byId = [...new Set(PLATFORM_FIELDS.map((p) => (ids[p] ? dir.byPlatform.get(`${p}:${ids[p]}`) : undefined)).filter((x): x is Person => !!x))];
    let existing: Person | undefined;
    let matchedBy: Row['matchedBy'];
    if (byId.length > 1) {
      problems.push(`这一行的账号 ID 分别属于系统里的${byId.map((p) => `「${p.name}」`).join('和')}，不是同一个人，请核对`);
    } else if (byId.length === 1) {
      existing = byId[0];
      matchedBy = 'platform';
    } else if (name) {
      const same = dir.byName.get(name) ?? [];
      if (same.length > 1) problems.push(`系统里有 ${same.length} 个叫「${name}」的人，请填写企业微信/钉钉/飞书 ID 以区分`);
      else if (same.length === 1) {
        existing = same[0];
        matchedBy = 'name';
      }
    }
    if (existing) {
      // A different account on the same platform means a different person with the same name (or a typo).
      for (const p of PLATFORM_FIELDS) {
        const has = existing.ids[p] ?? [];
        if (ids[p] && has.length > 0 && !has.includes(ids[p]))
          problems.push(`系统里的「${existing.name}」已绑定${USER_FIELD_LABELS[p]}「${has.join('、')}」，与本行的「${ids[p]}」不同；如果是同名的另一个人，请在姓名后加区分`);
      }
      if (personSeen.has(existing.id)) problems.push(`与第 ${personSeen.get(existing.id)} 行是系统里的同一个人「${existing.name}」`);
    }

    if (name && !nameSeen.has(name)) nameSeen.set(name, rec.line);
    for (const p of PLATFORM_FIELDS) if (ids[p] && !idSeen.has(`${p}:${ids[p]}`)) idSeen.set(`${p}:${ids[p]}`, rec.line);
    if (existing && !personSeen.has(existing.id)) personSeen.set(existing.id, rec.line);
    rows.push({
      line: rec.line,
      name,
      ...(roleGiven ? { roleGiven } : {}),
      ids,
      ...(v.manager ? { manager: v.manager } : {}),
      ...(v.team ? { team: v.team } : {}),
      ...(v.region ? { region: v.region } : {}),
      ...(existing ? { existing, matchedBy } : {}),
      problems,
    });
  }
  return { rows, columns, ignoredHeaders, total: data.length };
}

/** Resolves managers and refuses loops, repeating until no more rows drop out (a bad row takes its reports with it). */
function resolveManagers(rows: Row[], dir: Directory) {
  const good = () => rows.filter((r) => r.problems.length === 0);
  for (;;) {
    const ok = good();
    const okByName = new Map(ok.map((r) => [r.name, r]));
    const anyByName = new Map<string, Row>();
    for (const r of rows) if (r.name && !anyByName.has(r.name)) anyByName.set(r.name, r);
    const dropped: Row[] = [];

    for (const r of ok) {
      delete r.managerRef;
      if (!r.manager) continue;
      const inFile = okByName.get(r.manager);
      if (inFile) {
        r.managerRef = { line: inFile.line };
        continue;
      }
      // Someone already in the system (also when that person's own row in this file has a problem: they exist).
      const known = dir.byName.get(r.manager) ?? [];
      const active = known.filter((p) => p.active);
      const badRow = anyByName.get(r.manager);
      if (active.length === 1) r.managerRef = { userId: active[0]!.id };
      else if (badRow) r.problems.push(`“上级”「${r.manager}」所在的第 ${badRow.line} 行有问题，请先修改那一行`);
      else if (active.length > 1) r.problems.push(`“上级”「${r.manager}」在系统里有 ${active.length} 个同名的人，请把上级也写进这个文件（带账号 ID）`);
      else if (known.length > 0) r.problems.push(`“上级”「${r.manager}」已停用（离职），请改成在职同事`);
      else r.problems.push(`“上级”「${r.manager}」不在文件里，也不在系统里`);
      if (r.problems.length > 0) dropped.push(r);
    }

    // The reporting lines after the import: rows of this file (with a 上级) override what the system has.
    const keyOf = (r: Row) => r.existing?.id ?? `line:${r.line}`;
    const stillOk = ok.filter((r) => r.problems.length === 0);
    const byLine = new Map(stillOk.map((r) => [r.line, r]));
    const next = new Map<string, string>();
    for (const p of dir.people.values()) if (p.managerId) next.set(p.id, p.managerId);
    for (const r of stillOk) {
      const ref = r.managerRef;
      if (!ref) continue;
      if ('userId' in ref) next.set(keyOf(r), ref.userId);
      else {
        const target = byLine.get(ref.line);
        next.set(keyOf(r), target ? keyOf(target) : `line:${ref.line}`);
      }
    }
    const nameOfKey = (k: string) => dir.people.get(k)?.name ?? stillOk.find((r) => keyOf(r) === k)?.name ?? k;
    for (const r of stillOk) {
      if (!r.managerRef) continue;
      const loop = loopThrough(next, keyOf(r));
      if (loop) {
        r.problems.push(`“上级”关系形成了循环（${loop.map(nameOfKey).join(' → ')}），请改正其中一人的上级`);
        dropped.push(r);
      }
    }
    if (dropped.length === 0) return;
  }
}

function describeChanges(r: Row, dir: Directory, rowsByLine: Map<number, Row>): string[] {
  const p = r.existing;
  if (!p) return [];
  const out: string[] = [];
  if (p.name !== r.name) out.push(`姓名 ${p.name} → ${r.name}`);
  if (r.roleGiven && r.roleGiven !== p.role) out.push(`角色 ${ROLE_LABELS[p.role]} → ${ROLE_LABELS[r.roleGiven]}`);
  if (r.managerRef) {
    const target = 'line' in r.managerRef ? rowsByLine.get(r.managerRef.line) : undefined;
    const newId = 'userId' in r.managerRef ? r.managerRef.userId : target?.existing?.id;
    if (newId !== p.managerId) out.push(`上级 ${(p.managerId && dir.people.get(p.managerId)?.name) || '无'} → ${r.manager}`);
  }
  if (r.team && dir.teamByName.get(r.team) !== p.teamId) out.push(`团队 ${(p.teamId && dir.teamById.get(p.teamId)) || '无'} → ${r.team}`);
  if (r.region && r.region !== p.region) out.push(`地区 ${p.region || '无'} → ${r.region}`);
  for (const k of PLATFORM_FIELDS) if (r.ids[k] && !(p.ids[k] ?? []).includes(r.ids[k])) out.push(`绑定${USER_FIELD_LABELS[k]} ${r.ids[k]}`);
  return out;
}

function plan(records: CsvRecord[], dir: Directory): Plan {
  const { rows, columns, ignoredHeaders, total } = readRows(records, dir);
  resolveManagers(rows, dir);
  const rowsByLine = new Map(rows.map((r) => [r.line, r]));
  const report: Plan['report'] = { kind: 'users', total, columns, ignoredHeaders, create: [], update: [], unchanged: [], bad: [], newTeams: [], warnings: [] };
  const toWrite: Row[] = [];
  const existingIdOfLine = new Map<number, string>();
  for (const r of rows) {
    if (r.problems.length > 0) {
      report.bad.push({ line: r.line, name: r.name, problems: r.problems });
      continue;
    }
    const changes = describeChanges(r, dir, rowsByLine);
    const action: UserRowPlan['action'] = !r.existing ? 'create' : changes.length > 0 ? 'update' : 'unchanged';
    const out: UserRowPlan = {
      line: r.line,
      name: r.name,
      action,
      role: r.roleGiven ?? r.existing?.role ?? 'rep',
      ...(r.manager ? { manager: r.manager } : {}),
      ...(r.team ? { team: r.team } : {}),
      ...(r.region ? { region: r.region } : {}),
      ids: r.ids,
      ...(r.existing ? { existingName: r.existing.name, matchedBy: r.matchedBy! } : {}),
      changes,
    };
    report[action].push(out);
    if (action === 'create' && Object.keys(r.ids).length === 0)
      report.warnings.push({
        line: r.line,
        name: r.name,
        message: '没有填写企业微信/钉钉/飞书 ID：他在群里和机器人说话时系统认不出是他，会另外新建一个同事。建议补上账号 ID',
      });
    if (r.existing) existingIdOfLine.set(r.line, r.existing.id);
    if (action !== 'unchanged') toWrite.push(r);
    if (r.team && action !== 'unchanged' && !dir.teamByName.has(r.team) && !report.newTeams.includes(r.team)) report.newTeams.push(r.team);
  }
  return { report, rows: toWrite, existingIdOfLine };
}

// ---------------------------------------------------------------------------------------------- entry points

export async function importUsers(db: Db, records: CsvRecord[], opts: UsersImportOptions): Promise<UsersImportReport> {
  if (!opts.apply) return { ...plan(records, await loadDirectory(db, opts.tenantId)).report, applied: false };
  return db.transaction(async (tx) => {
    // Plan again inside the transaction so the checks see exactly what the writes will.
    const dir = await loadDirectory(tx, opts.tenantId);
    const { report, rows, existingIdOfLine } = plan(records, dir);
    const now = opts.now ?? new Date();
    const teamIds = new Map(dir.teamByName);
    for (const name of report.newTeams) {
      // A team created meanwhile (admin API) is used, not duplicated.
      const [t] = await tx.insert(teams).values({ tenantId: opts.tenantId, name }).onConflictDoNothing().returning({ id: teams.id });
      const id = t?.id ?? (await tx.select({ id: teams.id }).from(teams).where(and(eq(teams.tenantId, opts.tenantId), eq(teams.name, name))))[0]!.id;
      teamIds.set(name, id);
    }
    const idOfLine = new Map<number, string>();
    for (const r of rows) {
      const fields = {
        name: r.name,
        ...(r.roleGiven || !r.existing ? { role: r.roleGiven ?? 'rep' } : {}),
        ...(r.team ? { teamId: teamIds.get(r.team)! } : {}),
        ...(r.region ? { region: r.region } : {}),
      };
      let id: string;
      if (r.existing) {
        id = r.existing.id;
        await tx.update(users).set({ ...fields, updatedAt: now }).where(and(eq(users.id, id), eq(users.tenantId, opts.tenantId)));
      } else {
        id = (await tx.insert(users).values({ tenantId: opts.tenantId, ...fields }).returning({ id: users.id }))[0]!.id;
      }
      idOfLine.set(r.line, id);
      for (const platform of PLATFORM_FIELDS) {
        const pid = r.ids[platform];
        if (pid && !(r.existing?.ids[platform] ?? []).includes(pid))
          await tx.insert(userIdentities).values({ tenantId: opts.tenantId, userId: id, platform, platformUserId: pid });
      }
    }
    // Managers last, once everyone in the file has an id (forward references).
    for (const r of rows) {
      if (!r.managerRef) continue;
      const managerId = 'userId' in r.managerRef ? r.managerRef.userId : (idOfLine.get(r.managerRef.line) ?? existingIdOfLine.get(r.managerRef.line));
      if (managerId && managerId !== r.existing?.managerId)
        await tx.update(users).set({ managerId, updatedAt: now }).where(eq(users.id, idOfLine.get(r.line)!));
    }
    for (const r of rows) {
      const before = r.existing
        ? { name: r.existing.name, role: r.existing.role, managerId: r.existing.managerId, teamId: r.existing.teamId, region: r.existing.region, ids: r.existing.ids }
        : null;
      const [after] = await tx
        .select({ name: users.name, role: users.role, managerId: users.managerId, teamId: users.teamId, region: users.region })
        .from(users)
        .where(eq(users.id, idOfLine.get(r.line)!));
      await tx.insert(auditLog).values({
        tenantId: opts.tenantId,
        action: r.existing ? 'user.import.update' : 'user.import.create',
        entityType: 'user',
        entityId: idOfLine.get(r.line)!,
        before,
        after: { ...after, ids: r.ids, line: r.line },
        createdAt: now,
      });
    }
    return { ...report, applied: true };
  });
}

// ---------------------------------------------------------------------------------------------- report text

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
