// The admin's rules screen: approval thresholds, reminder timings, the digest and its group chats, assignment rules.
// Admin only (assertAdmin on the session's user). Values are read as /设置 reads them (domain/settings-input.ts) and
// written by the same services (settings.ts updateSettings, assignment-settings.ts), each change in one transaction
// with its audit row; a refusal is the chat's Chinese sentence, answered 400 with the field it belongs to.
import { eq } from 'drizzle-orm';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { teamChats, teams } from '../../db/schema/index.js';
import { isDomainError } from '../../domain/errors.js';
import { readApprovalValue, readHours } from '../../domain/settings-input.js';
import type { TenantSettings } from '../../domain/settings.js';
import { addAssignmentRule, describeAssignment, removeAssignmentRule, setDefaultTeam } from '../../services/assignment-settings.js';
import type { Ctx } from '../../services/context.js';
import { assertAdmin, getSettings, updateSettings } from '../../services/settings.js';
import { disableDigestHere } from '../../services/team-chats.js';
import type { WebSession } from '../../services/web-sessions.js';
import type { DashboardKit, DashboardRoutes } from './kit.js';

/** A refusal the page shows next to `field`. */
class FieldError extends Error {
  constructor(
    readonly field: string,
    readonly userMessage: string,
  ) {
    super(userMessage);
  }
}

const text = (max: number) => z.string().trim().max(max);
const approvalBody = z.object({ amount: text(30).optional(), discount: text(30).optional(), strandedStepsTo: z.enum(['manager', 'receiver']).optional() }).strict();
const nudgesBody = z.object({ silenceHours: text(10).optional(), escalateAfterHours: text(10).optional() }).strict();
const digestBody = z.object({ enabled: z.boolean().optional(), hour: z.number().int().optional() }).strict();
const ruleBody = z.object({ by: z.enum(['region', 'keyword']), match: text(40), target: text(80) }).strict();
const defaultBody = z.object({ team: text(80).nullable() }).strict();
const ruleParam = z.object({ n: z.coerce.number().int() });
const chatBody = z.object({ platform: z.enum(['wecom', 'dingtalk', 'feishu', 'console']), chatId: z.string().min(1).max(256) }).strict();

/** The admin guard for reads: false after answering 403 with the settings service's sentence (the caller returns `reply`). */
export function adminOnly(kit: DashboardKit, s: WebSession, reply: FastifyReply): boolean {
  try {
    assertAdmin(kit.ctxOf(s));
    return true;
  } catch (err) {
    if (!isDomainError(err)) throw err;
    void reply.code(403).send({ error: 'not_allowed', message: err.userMessage });
    return false;
  }
}

/** Runs an admin change for the session's user in one transaction, answering a refusal as the chat words it. */
async function adminChange(kit: DashboardKit, s: WebSession, reply: FastifyReply, section: string, change: (ctx: Ctx) => Promise<unknown>) {
  try {
    assertAdmin(kit.ctxOf(s));
    await kit.db.transaction(async (tx) => change({ ...kit.ctxOf(s), db: tx }));
  } catch (err) {
    if (err instanceof FieldError) return reply.code(400).send({ error: 'invalid', field: err.field, message: err.userMessage });
    if (isDomainError(err)) return reply.code(err.code === 'NOT_ALLOWED' ? 403 : 400).send({ error: err.code.toLowerCase(), field: section, message: err.userMessage });
    throw err;
  }
  return reply.send(await rulesView(kit, s));
}

/** The rules as the screen shows them (names, not ids). */
async function rulesView(kit: DashboardKit, s: WebSession) {
  const ctx = kit.ctxOf(s);
  const settings: TenantSettings = await getSettings(ctx);
  const tenantId = s.actor.tenantId;
  const teamRows = await kit.db.select({ id: teams.id, name: teams.name }).from(teams).where(eq(teams.tenantId, tenantId)).orderBy(teams.name);
  const chats = await kit.db
    .select({ team: teams.name, platform: teamChats.platform, chatId: teamChats.chatId })
    .from(teamChats)
    .innerJoin(teams, eq(teams.id, teamChats.teamId))
    .where(eq(teams.tenantId, tenantId))
    .orderBy(teams.name);
  const lines = await describeAssignment(kit.db, tenantId, settings.assignment);
  return {
    approval: { financeTechMinFen: settings.approval.financeTechMinFen, directorDiscountBp: settings.approval.directorDiscountBp, strandedStepsTo: settings.approval.strandedStepsTo },
    nudges: { silenceHours: settings.nudges.silenceHours, escalateAfterHours: settings.nudges.escalateAfterHours },
    digest: { enabled: settings.digest.enabled, hour: settings.digest.hour, chats },
    assignment: {
      rules: lines.slice(0, settings.assignment.rules.length),
      fallback: lines[lines.length - 1]!,
      defaultTeam: teamRows.find((t) => t.id === settings.assignment.defaultTeamId)?.name ?? null,
    },
    teams: teamRows.map((t) => t.name),
  };
}

function bodyOf<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body);
  if (!r.success) throw new FieldError(String(r.error.issues[0]?.path[0] ?? 'form'), '提交的内容格式不对，请刷新页面后重试。');
  return r.data;
}

export const adminRoutes: DashboardRoutes = (app, kit) => {
  const { signedIn, signedInForChange, noStore } = kit;

  app.get('/app/api/admin/rules', async (req, reply) => {
    const s = await signedIn(req, reply);
    if (!s || !adminOnly(kit, s, reply)) return reply;
    return noStore(reply).send(await rulesView(kit, s));
  });

  app.put('/app/api/admin/rules/approval', async (req, reply) => {
    const s = await signedInForChange(req, reply);
    if (!s) return reply;
    return adminChange(kit, s, reply, 'approval', async (ctx) => {
      const b = bodyOf(approvalBody, req.body);
      const patch: Partial<TenantSettings['approval']> = {};
      for (const field of ['amount', 'discount'] as const) {
        const v = b[field];
        if (!v) continue;
        const r = readApprovalValue(v);
        if (!r.ok) throw new FieldError(field, r.message);
        const isAmount = 'financeTechMinFen' in r.value;
        if (isAmount !== (field === 'amount')) throw new FieldError(field, field === 'amount' ? `「${v}」不是金额：金额写成 5万。` : `「${v}」不是折扣：折扣写成 5%。`);
        Object.assign(patch, r.value);
      }
      if (b.strandedStepsTo) patch.strandedStepsTo = b.strandedStepsTo;
      if (Object.keys(patch).length > 0) await updateSettings(ctx, { approval: patch });
    });
  });

  app.put('/app/api/admin/rules/nudges', async (req, reply) => {
    const s = await signedInForChange(req, reply);
    if (!s) return reply;
    return adminChange(kit, s, reply, 'nudges', async (ctx) => {
      const b = bodyOf(nudgesBody, req.body);
      const patch: Partial<TenantSettings['nudges']> = {};
      for (const field of ['silenceHours', 'escalateAfterHours'] as const) {
        const v = b[field];
        if (v === undefined || v === '') continue;
        const r = readHours(v);
        if (!r.ok) throw new FieldError(field, r.message);
        patch[field] = r.value;
      }
      if (Object.keys(patch).length > 0) await updateSettings(ctx, { nudges: patch });
    });
  });

  app.put('/app/api/admin/rules/digest', async (req, reply) => {
    const s = await signedInForChange(req, reply);
    if (!s) return reply;
    return adminChange(kit, s, reply, 'digest', async (ctx) => {
      const b = bodyOf(digestBody, req.body);
      if (b.hour !== undefined && (b.hour < 0 || b.hour > 23)) throw new FieldError('hour', `战报时间请写 0–23 点（收到「${b.hour}」）。`);
      await updateSettings(ctx, { digest: b });
    });
  });

  // A group chat stops receiving digests: the same service as /设置 战报 关 sent in that group.
  app.delete('/app/api/admin/rules/digest/chats', async (req, reply) => {
    const s = await signedInForChange(req, reply);
    if (!s) return reply;
    return adminChange(kit, s, reply, 'digest', async (ctx) => {
      const b = bodyOf(chatBody, req.body);
      await disableDigestHere(ctx, b.platform, { kind: 'group', id: b.chatId });
    });
  });

  app.post('/app/api/admin/rules/assignment', async (req, reply) => {
    const s = await signedInForChange(req, reply);
    if (!s) return reply;
    return adminChange(kit, s, reply, 'assignment', async (ctx) => {
      const b = bodyOf(ruleBody, req.body);
      if (!b.match) throw new FieldError('match', '请写上匹配词，例如：浙江 或 阀门。');
      if (!b.target) throw new FieldError('target', '请写上分给哪个团队或哪个人。');
      await addAssignmentRule(ctx, b.by, b.match, b.target);
    });
  });

  app.delete('/app/api/admin/rules/assignment/:n', async (req, reply) => {
    const s = await signedInForChange(req, reply);
    if (!s) return reply;
    return adminChange(kit, s, reply, 'assignment', async (ctx) => {
      const p = ruleParam.safeParse(req.params);
      await removeAssignmentRule(ctx, p.success ? p.data.n : Number.NaN);
    });
  });

  app.put('/app/api/admin/rules/assignment/default', async (req, reply) => {
    const s = await signedInForChange(req, reply);
    if (!s) return reply;
    return adminChange(kit, s, reply, 'defaultTeam', async (ctx) => {
      const b = bodyOf(defaultBody, req.body);
      await setDefaultTeam(ctx, b.team || null);
    });
  });
};
