// Planning a people import, without writing: from the file's rows and the tenant's directory (people, their
// platform ids, teams) to who is created, updated or unchanged, and the problems of every bad line. Existing
// people are matched by platform id, then by exact name. Managers may be named before or after their reports; a
// manager that is unknown, has a problem row, or would close a loop (also through people already in the system,
// domain/reporting-line.ts) makes the row a bad row.
import { loopThrough } from '../domain/reporting-line.js';
import { ROLE_LABELS, type Role } from '../domain/roles.js';
import type { Identity, User } from '../services/users.js';
import type { CsvRecord } from './decode.js';
import { ImportFileError } from './errors.js';
import { mapUserHeaders, PLATFORM_FIELDS, type PlatformField, USER_FIELD_LABELS } from './headers.js';
import type { UserRowPlan, UsersImportReport } from './user-report.js';
import { readUserRow, type UserRow } from './user-rows.js';

// ---------------------------------------------------------------------------------------------- directory

export interface Person {
  id: string;
  name: string;
  role: Role;
  managerId: string | null;
  teamId: string | null;
  region: string | null;
  active: boolean;
  ids: Partial<Record<PlatformField, string[]>>;
}

/** The tenant's people indexed for matching (console identities are not platform accounts here). */
export function buildDirectory(all: User[], identities: Identity[], teamRows: { id: string; name: string }[]) {
  const people = new Map<string, Person>(
    all.map((r) => [r.id, { id: r.id, name: r.name, role: r.role, managerId: r.managerId, teamId: r.teamId, region: r.region, active: r.active, ids: {} }]),
  );
  const byPlatform = new Map<string, Person>();
  for (const i of identities) {
    const p = people.get(i.userId);
    if (!p || i.platform === 'console') continue;
    byPlatform.set(`${i.platform}:${i.platformUserId}`, p);
    (p.ids[i.platform] ??= []).push(i.platformUserId);
  }
  const byName = new Map<string, Person[]>();
  for (const p of people.values()) byName.set(p.name, [...(byName.get(p.name) ?? []), p]);
  return {
    people,
    byPlatform,
    byName,
    teamByName: new Map(teamRows.map((t) => [t.name, t.id])),
    teamById: new Map(teamRows.map((t) => [t.id, t.name])),
  };
}
export type Directory = ReturnType<typeof buildDirectory>;

// ---------------------------------------------------------------------------------------------- planning

/** Where a row's manager comes from: another row of this file, or someone already in the system. */
export type ManagerRef = { line: number } | { userId: string };

export interface PlannedUser extends UserRow {
  existing?: Person;
  matchedBy?: 'platform' | 'name';
  managerRef?: ManagerRef;
}

export interface UserPlan {
  report: Omit<UsersImportReport, 'applied'>;
  /** Rows to write (create + update), in file order, with their resolved manager. */
  rows: PlannedUser[];
  /** Line → person already in the system, for every good row that matched one (managers may point at them). */
  existingIdOfLine: Map<number, string>;
}

/** Each row checked on its own (user-rows.ts), then matched to the person it already is. */
function readRows(records: CsvRecord[], dir: Directory) {
  const [head, ...data] = records;
  if (!head) throw new ImportFileError('文件是空的：第 1 行应该是表头（姓名、企业微信ID、角色、上级、团队、地区……）。');
  const { columns, ignoredHeaders, used } = mapUserHeaders(head.cells);

  const rows: PlannedUser[] = [];
  const nameSeen = new Map<string, number>();
  const idSeen = new Map<string, number>();
  const personSeen = new Map<string, number>();
  const earlier = { name: (n: string) => nameSeen.get(n), platformId: (p: PlatformField, pid: string) => idSeen.get(`${p}:${pid}`) };
  for (const rec of data) {
    const row: PlannedUser = readUserRow(rec, used, earlier);
    const { name, ids, problems } = row;

    // The same person: by a platform id, else by exact name when that name is unique in the system.
    const byId = [...new Set(PLATFORM_FIELDS.map((p) => (ids[p] ? dir.byPlatform.get(`${p}:${ids[p]}`) : undefined)).filter((x): x is Person => !!x))];
    let existing: Person | undefined;
    let matchedBy: PlannedUser['matchedBy'];
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
    if (existing) {
      row.existing = existing;
      row.matchedBy = matchedBy!;
    }
    rows.push(row);
  }
  return { rows, columns, ignoredHeaders, total: data.length };
}

/** Resolves managers and refuses loops, repeating until no more rows drop out (a bad row takes its reports with it). */
function resolveManagers(rows: PlannedUser[], dir: Directory) {
  const good = () => rows.filter((r) => r.problems.length === 0);
  for (;;) {
    const ok = good();
    const okByName = new Map(ok.map((r) => [r.name, r]));
    const anyByName = new Map<string, PlannedUser>();
    for (const r of rows) if (r.name && !anyByName.has(r.name)) anyByName.set(r.name, r);
    const dropped: PlannedUser[] = [];

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
    const keyOf = (r: PlannedUser) => r.existing?.id ?? `line:${r.line}`;
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

function describeChanges(r: PlannedUser, dir: Directory, rowsByLine: Map<number, PlannedUser>): string[] {
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

export function planUsers(records: CsvRecord[], dir: Directory): UserPlan {
  const { rows, columns, ignoredHeaders, total } = readRows(records, dir);
  resolveManagers(rows, dir);
  const rowsByLine = new Map(rows.map((r) => [r.line, r]));
  const report: UserPlan['report'] = { kind: 'users', total, columns, ignoredHeaders, create: [], update: [], unchanged: [], bad: [], newTeams: [], warnings: [] };
  const toWrite: PlannedUser[] = [];
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

