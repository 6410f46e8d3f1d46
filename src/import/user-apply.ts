// Applying a people plan inside the caller's transaction, through the services: new teams, then each person
// (created or updated, new platform ids bound), then managers once everyone in the file has an id (a manager may
// come later in the file), then one audit row per person written.
import type { DbOrTx } from '../db/client.js';
import { recordAudit, systemCtx } from '../services/audit.js';
import { ensureTeam } from '../services/teams.js';
import { addIdentity, createUser, getUser, updateUser } from '../services/users.js';
import { PLATFORM_FIELDS } from './headers.js';
import type { Directory, UserPlan } from './user-plan.js';

export async function applyUserPlan(tx: DbOrTx, tenantId: string, plan: UserPlan, dir: Directory, now: Date): Promise<void> {
  const { report, rows, existingIdOfLine } = plan;
  const teamIds = new Map(dir.teamByName);
  for (const name of report.newTeams) teamIds.set(name, await ensureTeam(tx, tenantId, name));

  const idOfLine = new Map<number, string>();
  for (const r of rows) {
    const fields = {
      name: r.name,
      ...(r.roleGiven || !r.existing ? { role: r.roleGiven ?? 'rep' } : {}),
      ...(r.team ? { teamId: teamIds.get(r.team)! } : {}),
      ...(r.region ? { region: r.region } : {}),
    } as const;
    let id: string;
    if (r.existing) {
      id = r.existing.id;
      await updateUser(tx, tenantId, id, fields, now);
    } else {
      id = await createUser(tx, tenantId, fields);
    }
    idOfLine.set(r.line, id);
    for (const platform of PLATFORM_FIELDS) {
      const pid = r.ids[platform];
      if (pid && !(r.existing?.ids[platform] ?? []).includes(pid)) await addIdentity(tx, tenantId, id, platform, pid);
    }
  }
  // Managers last, once everyone in the file has an id (forward references).
  for (const r of rows) {
    if (!r.managerRef) continue;
    const managerId = 'userId' in r.managerRef ? r.managerRef.userId : (idOfLine.get(r.managerRef.line) ?? existingIdOfLine.get(r.managerRef.line));
    if (managerId && managerId !== r.existing?.managerId) await updateUser(tx, tenantId, idOfLine.get(r.line)!, { managerId }, now);
  }
  const ctx = systemCtx(tx, tenantId, now, 'Asia/Shanghai');
  for (const r of rows) {
    const id = idOfLine.get(r.line)!;
    const before = r.existing
      ? { name: r.existing.name, role: r.existing.role, managerId: r.existing.managerId, teamId: r.existing.teamId, region: r.existing.region, ids: r.existing.ids }
      : null;
    const u = (await getUser(tx, id))!;
    const after = { name: u.name, role: u.role, managerId: u.managerId, teamId: u.teamId, region: u.region };
    await recordAudit(ctx, {
      action: r.existing ? 'user.import.update' : 'user.import.create',
      entityType: 'user',
      entityId: id,
      before,
      after: { ...after, ids: r.ids, line: r.line },
    });
  }
}
