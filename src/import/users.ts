// People import (`npm run import -- 人员.csv`): name, platform ids, role, manager, team, region. Dry run by default;
// apply writes everything in one transaction. Existing people are matched by platform id, then by exact name, and
// updated — never duplicated. Managers may be named before or after their reports in the file.
import { and, eq } from 'drizzle-orm';
import type { Db, DbOrTx } from '../db/client.js';
import { auditLog, teams, userIdentities, users } from '../db/schema/index.js';
import { ROLE_LABELS, parseRole, type Role } from '../domain/roles.js';
import { type CsvRecord, readCsvFile } from './decode.js';
import { cleanHeader, ImportFileError } from './customers.js';

type Field = 'name' | 'wecom' | 'dingtalk' | 'feishu' | 'role' | 'manager' | 'team' | 'region';
const PLATFORM_FIELDS = ['wecom', 'dingtalk', 'feishu'] as const;

export const USER_HEADERS: Readonly<Record<string, Field>> = {
  姓名: 'name', 名字: 'name', 员工: 'name', name: 'name',
  企业微信id: 'wecom', 企业微信账号: 'wecom', wecom: 'wecom',
  钉钉id: 'dingtalk', 钉钉userid: 'dingtalk', dingtalk: 'dingtalk',
  飞书id: 'feishu', 飞书openid: 'feishu', feishu: 'feishu',
  角色: 'role', 岗位: 'role', role: 'role',
  上级: 'manager', 直属上级: 'manager', 经理: 'manager', manager: 'manager',
  团队: 'team', 小组: 'team', 部门: 'team', team: 'team',
  地区: 'region', 区域: 'region', region: 'region',
};

export interface UserRowPlan {
  line: number;
  name: string;
  action: 'create' | 'update';
  role: Role;
  manager?: string;
  team?: string;
  region?: string;
  ids: Partial<Record<(typeof PLATFORM_FIELDS)[number], string>>;
}

export interface UsersImportReport {
  kind: 'users';
  total: number;
  create: UserRowPlan[];
  update: UserRowPlan[];
  bad: Array<{ line: number; name: string; problems: string[] }>;
  newTeams: string[];
  applied: boolean;
}

interface Existing {
  id: string;
  name: string;
}

async function loadDirectory(db: DbOrTx, tenantId: string) {
  const people = await db.select({ id: users.id, name: users.name }).from(users).where(eq(users.tenantId, tenantId));
  const ids = await db
    .select({ userId: userIdentities.userId, platform: userIdentities.platform, pid: userIdentities.platformUserId })
    .from(userIdentities)
    .where(eq(userIdentities.tenantId, tenantId));
  const byId = new Map(people.map((p) => [p.id, p]));
  const byPlatform = new Map(ids.map((i) => [`${i.platform}:${i.pid}`, byId.get(i.userId)!]));
  const byName = new Map<string, Existing[]>();
  for (const p of people) byName.set(p.name, [...(byName.get(p.name) ?? []), p]);
  const teamRows = await db.select({ id: teams.id, name: teams.name }).from(teams).where(eq(teams.tenantId, tenantId));
  return { byPlatform, byName, teams: new Map(teamRows.map((t) => [t.name, t.id])) };
}

export function isUsersFile(header: string[]): boolean {
  const fields = header.map((h) => USER_HEADERS[cleanHeader(h)]);
  return fields.includes('name') && fields.some((f) => f === 'wecom' || f === 'dingtalk' || f === 'feishu' || f === 'role');
}

function plan(records: CsvRecord[], dir: Awaited<ReturnType<typeof loadDirectory>>): Omit<UsersImportReport, 'applied'> & { matches: Map<number, Existing> } {
  const [head, ...rows] = records;
  if (!head) throw new ImportFileError('文件是空的。');
  const cols = head.cells.map((h) => USER_HEADERS[cleanHeader(h)]);
  if (!cols.includes('name')) throw new ImportFileError('找不到“姓名”列。第一行应是表头，例如：姓名,企业微信ID,角色,上级,团队,地区');
  const report = { kind: 'users' as const, total: 0, create: [] as UserRowPlan[], update: [] as UserRowPlan[], bad: [] as UsersImportReport['bad'], newTeams: [] as string[] };
  const matches = new Map<number, Existing>();
  const inFile = new Map<string, number>();
  for (const r of rows) {
    if (r.cells.every((c) => !c.trim())) continue;
    report.total++;
    const v: Partial<Record<Field, string>> = {};
    cols.forEach((f, i) => {
      const cell = (r.cells[i] ?? '').trim();
      if (f && cell) v[f] = cell;
    });
    const problems: string[] = [];
    const name = v.name ?? '';
    if (!name) problems.push('“姓名”不能为空');
    else if (name.length > 32) problems.push('“姓名”超过 32 个字');
    const role = v.role ? parseRole(v.role) : 'rep';
    if (!role) problems.push(`“角色”写的是「${v.role}」，应为 ${Object.values(ROLE_LABELS).join(' / ')}`);
    for (const p of PLATFORM_FIELDS) if (v[p] && !/^[\w.@-]{1,128}$/.test(v[p]!)) problems.push(`${p} 账号「${v[p]}」含有不允许的字符`);
    if (name && inFile.has(name)) problems.push(`与第 ${inFile.get(name)} 行重名`);
    const ids = Object.fromEntries(PLATFORM_FIELDS.filter((p) => v[p]).map((p) => [p, v[p]!]));
    // The same person: by a platform id, else by exact name when that name is unique.
    const found = PLATFORM_FIELDS.map((p) => (v[p] ? dir.byPlatform.get(`${p}:${v[p]}`) : undefined)).find(Boolean);
    const sameName = dir.byName.get(name) ?? [];
    const existing = found ?? (sameName.length === 1 ? sameName[0] : undefined);
    if (!found && sameName.length > 1) problems.push(`系统里有 ${sameName.length} 个叫「${name}」的人，请填写平台账号以区分`);
    if (problems.length > 0) {
      report.bad.push({ line: r.line, name, problems });
      continue;
    }
    inFile.set(name, r.line);
    const row: UserRowPlan = { line: r.line, name, action: existing ? 'update' : 'create', role: role!, ids, ...(v.manager ? { manager: v.manager } : {}), ...(v.team ? { team: v.team } : {}), ...(v.region ? { region: v.region } : {}) };
    if (existing) matches.set(r.line, existing);
    (existing ? report.update : report.create).push(row);
  }
  // Managers: someone in this file or already in the system; no one manages themselves, directly or in a loop.
  const good = [...report.create, ...report.update];
  const managerOf = new Map(good.filter((r) => r.manager).map((r) => [r.name, r.manager!]));
  const rejected = new Set<number>();
  for (const r of good) {
    if (!r.manager) continue;
    const known = good.some((g) => g.name === r.manager) || (dir.byName.get(r.manager)?.length ?? 0) === 1;
    let cycle = false;
    const seen = new Set([r.name]);
    for (let m: string | undefined = r.manager; m; m = managerOf.get(m)) {
      if (seen.has(m)) {
        cycle = true;
        break;
      }
      seen.add(m);
    }
    const problems = [
      ...(known ? [] : [`“上级”「${r.manager}」不在文件里，也不在系统里（或有重名）`]),
      ...(cycle ? [`“上级”关系形成了循环（${[...seen].join(' → ')}）`] : []),
    ];
    if (problems.length > 0) {
      report.bad.push({ line: r.line, name: r.name, problems });
      rejected.add(r.line);
    }
  }
  report.create = report.create.filter((r) => !rejected.has(r.line));
  report.update = report.update.filter((r) => !rejected.has(r.line));
  report.bad.sort((a, b) => a.line - b.line);
  report.newTeams = [...new Set([...report.create, ...report.update].map((r) => r.team).filter((t): t is string => !!t && !dir.teams.has(t)))];
  return { ...report, matches };
}

export async function importUsers(db: Db, records: CsvRecord[], opts: { tenantId: string; apply: boolean }): Promise<UsersImportReport> {
  const dry = plan(records, await loadDirectory(db, opts.tenantId));
  const { matches: _m, ...report } = dry;
  if (!opts.apply) return { ...report, applied: false };
  await db.transaction(async (tx) => {
    // Re-plan inside the transaction so the check and the writes see the same data.
    const p = plan(records, await loadDirectory(tx, opts.tenantId));
    const teamIds = new Map((await tx.select({ id: teams.id, name: teams.name }).from(teams).where(eq(teams.tenantId, opts.tenantId))).map((t) => [t.name, t.id]));
    for (const name of p.newTeams) {
      const [t] = await tx.insert(teams).values({ tenantId: opts.tenantId, name }).returning({ id: teams.id });
      teamIds.set(name, t!.id);
    }
    const idOf = new Map<string, string>();
    for (const r of [...p.create, ...p.update]) {
      const fields = { name: r.name, role: r.role, ...(r.team ? { teamId: teamIds.get(r.team)! } : {}), ...(r.region ? { region: r.region } : {}), updatedAt: new Date() };
      let id = p.matches.get(r.line)?.id;
      if (id) await tx.update(users).set(fields).where(and(eq(users.id, id), eq(users.tenantId, opts.tenantId)));
      else id = (await tx.insert(users).values({ tenantId: opts.tenantId, ...fields }).returning({ id: users.id }))[0]!.id;
      idOf.set(r.name, id);
      for (const [platform, pid] of Object.entries(r.ids)) {
        await tx.insert(userIdentities).values({ tenantId: opts.tenantId, userId: id, platform: platform as 'wecom', platformUserId: pid }).onConflictDoNothing();
      }
      await tx.insert(auditLog).values({ tenantId: opts.tenantId, action: `user.import.${r.action}`, entityType: 'user', entityId: id, after: { name: r.name, role: r.role, team: r.team ?? null } });
    }
    const dir = await loadDirectory(tx, opts.tenantId);
    for (const r of [...p.create, ...p.update]) {
      if (!r.manager) continue;
      const managerId = idOf.get(r.manager) ?? dir.byName.get(r.manager)?.[0]?.id;
      if (!managerId) continue;
      await tx.update(users).set({ managerId }).where(eq(users.id, idOf.get(r.name)!));
    }
  });
  return { ...report, applied: true };
}

export async function importUsersFromFile(db: Db, path: string, opts: { tenantId: string; apply: boolean }) {
  const { encoding, records } = await readCsvFile(path);
  return { ...(await importUsers(db, records, opts)), encoding };
}

export function formatUsersReport(r: UsersImportReport): string {
  const lines = [
    `人员导入${r.applied ? '' : '（试运行，未写入）'}：共 ${r.total} 行 · 新建 ${r.create.length} · 更新 ${r.update.length} · 有问题 ${r.bad.length}`,
    ...(r.newTeams.length ? [`将新建团队：${r.newTeams.join('、')}`] : []),
    ...r.bad.map((b) => `  第 ${b.line} 行 ${b.name || '(无姓名)'}：${b.problems.join('；')}`),
  ];
  if (!r.applied && r.bad.length === 0 && r.total > 0) lines.push('确认无误后加 --apply 导入。');
  return lines.join('\n');
}
