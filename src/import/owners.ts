// Who a typed 负责人 (or the importer given with --as / ?as=) is: an active user by exact name (NFKC), else by any
// platform account id. Every refusal says what to write instead.
import type { DbOrTx } from '../db/client.js';
import { listIdentities, listUsers, type Identity, type User } from '../services/users.js';

export interface OwnerDirectory {
  resolve(text: string): { ok: true; user: User } | { ok: false; problem: string };
}

export function ownerDirectory(all: User[], ids: Identity[]): OwnerDirectory {
  const byId = new Map(all.map((u) => [u.id, u]));
  const byName = new Map<string, User[]>();
  for (const u of all) {
    const k = u.name.normalize('NFKC').trim();
    byName.set(k, [...(byName.get(k) ?? []), u]);
  }
  const byPid = new Map<string, User>();
  for (const i of ids) {
    const u = byId.get(i.userId);
    if (u) byPid.set(i.platformUserId, u);
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

export async function loadOwners(db: DbOrTx, tenantId: string): Promise<OwnerDirectory> {
  return ownerDirectory(await listUsers(db, tenantId), await listIdentities(db, tenantId));
}

/**
 * The one place a customer row's owner is decided: the typed 负责人 when there is one (refused with the reason
 * when it names nobody usable), else nobody — the row becomes an owner-less lead that the tenant's assignment
 * rules place (services/assignment.ts), or that stays in the pool (公海) when no rule or team applies.
 */
export function decideRowOwner(typed: string, owners: OwnerDirectory): { ok: true; user: User | null } | { ok: false; problem: string } {
  return typed === '' ? { ok: true, user: null } : owners.resolve(typed);
}
