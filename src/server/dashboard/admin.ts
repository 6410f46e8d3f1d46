// The admin's rules screen: approval thresholds and reminders, follow-up and collection reminders, working and quiet
// hours, the lead pool, after the win, the PDF quote, voice notes, the digest and its group chats, assignment rules.
// Admin only (assertAdmin on the session's user). Values are read as /设置 reads them (domain/settings-input.ts) and
// written by the same services (settings.ts updateSettings, assignment-settings.ts), each change in one transaction
// with its audit row; a refusal is the chat's Chinese sentence, answered 400 with the field it belongs to.
import { eq } from 'drizzle-orm';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { teamChats, teams } from '../../db/schema/index.js';
import { isDomainError } from '../../domain/errors.js';
import { checkHours, readApprovalValue, readDays, readHours, readQuoteDocument, readWhole, type QuoteDocumentField, type ReadResult } from '../../domain/settings-input.js';
import type { TenantSettings } from '../../domain/settings.js';
import { addAssignmentRule, describeAssignment, removeAssignmentRule, setDefaultTeam } from '../../services/assignment-settings.js';
import type { Ctx } from '../../services/context.js';
import { assertAdmin, getSettings, setVoiceConfirm, updateSettings } from '../../services/settings.js';
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
const value = text(10).optional();
const approvalBody = z.object({ amount: text(30).optional(), discount: text(30).optional(), strandedStepsTo: z.enum(['manager', 'receiver']).optional(), reminderWorkingHours: value }).strict();
const recipients = z.object({ owner: z.boolean(), manager: z.boolean(), directorSummary: z.boolean() }).strict();
const nudgesBody = z
  .object({
    silenceHours: value, escalateAfterHours: value, newLeadHours: value, stagnantDays: value, silentQuoteDays: value,
    alerts: z.object({ stagnant: recipients.optional(), silentQuote: recipients.optional() }).strict().optional(),
  })
  .strict();
const collectionBody = z.object({ escalateAfterDays: value }).strict();
const poolBody = z.object({ claimsPerDay: value, maxOpenLeads: value, recycleDays: value, recycleWarnDays: value, reclaimBlockDays: value, goldenMinutes: value }).strict();
const afterWinBody = z.object({ visitDays: value, winBackDays: value }).strict();
const clock = z.number().int().min(0).max(23);
const weekdays = z.array(z.number().int().min(1).max(7)).max(7);
// Long texts are read by readQuoteDocument, which says how long they may be; the cap here only bounds the request.
const quoteBody = z.object({ header: z.string().max(2000).optional(), lines: z.string().max(5000).optional(), terms: z.string().max(5000).optional(), validityDays: value }).strict();
const voiceBody = z.object({ confirm: z.boolean() }).strict();
const hoursBody = z.object({ workStart: clock, workEnd: clock, workDays: weekdays, quietEnabled: z.boolean(), quietStart: clock, quietEnd: clock, quietDays: weekdays }).strict();
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
    approval: {
      financeTechMinFen: settings.approval.financeTechMinFen,
      directorDiscountBp: settings.approval.directorDiscountBp,
      strandedStepsTo: settings.approval.strandedStepsTo,
      reminderWorkingHours: settings.approval.reminderWorkingHours,
    },
    nudges: {
      silenceHours: settings.nudges.silenceHours,
      escalateAfterHours: settings.nudges.escalateAfterHours,
      newLeadHours: settings.nudges.newLeadHours,
      stagnantDays: settings.nudges.stagnantDays,
      silentQuoteDays: settings.nudges.silentQuoteDays,
    },
    alerts: settings.alerts,
    collection: { escalateAfterDays: settings.collection.escalateAfterDays },
    hours: { working: settings.workingHours, quiet: settings.quietHours },
    pool: settings.pool,
    afterWin: settings.afterWin,
    quoteDocument: settings.quoteDocument,
    voice: settings.voice,
    digest: { enabled: settings.digest.enabled, hour: settings.digest.hour, chats },
    assignment: {
      rules: lines.slice(0, settings.assignment.rules.length),
      fallback: lines[lines.length - 1]!,
      defaultTeam: teamRows.find((t) => t.id === settings.assignment.defaultTeamId)?.name ?? null,
    },
    teams: teamRows.map((t) => t.name),
  };
}

/**
 * Reads the typed values of a form with the readers /设置 uses (an empty or missing field is left as it is); the
 * first refusal stops the change under its field, before anything is written.
 */
function readValues<K extends string>(body: NoInfer<Partial<Record<K, string>>>, readers: Record<K, (t: string) => ReadResult<number>>): Partial<Record<K, number>> {
  const out: Partial<Record<K, number>> = {};
  for (const field of Object.keys(readers) as K[]) {
    const v = body[field];
    if (v === undefined || v === '') continue;
    const r = readers[field](v);
    if (!r.ok) throw new FieldError(field, r.message);
    out[field] = r.value;
  }
  return out;
}

const days = (list: number[]) => [...new Set(list)].sort((a, b) => a - b);

/** Saves a section's values when there are any (an empty form writes and audits nothing). */
async function save(ctx: Ctx, patch: Parameters<typeof updateSettings>[1], values: object) {
  if (Object.keys(values).length > 0) await updateSettings(ctx, patch);
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
      Object.assign(patch, readValues(b, { reminderWorkingHours: readHours }));
      if (Object.keys(patch).length > 0) await updateSettings(ctx, { approval: patch });
    });
  });

  app.put('/app/api/admin/rules/nudges', async (req, reply) => {
    const s = await signedInForChange(req, reply);
    if (!s) return reply;
    return adminChange(kit, s, reply, 'nudges', async (ctx) => {
      const b = bodyOf(nudgesBody, req.body);
      const nudges = readValues(b, { silenceHours: readHours, escalateAfterHours: readHours, newLeadHours: readHours, stagnantDays: readDays, silentQuoteDays: readDays });
      // Who hears a stagnant deal or a silent quote (settings.alerts), saved with the timings in one change.
      const alerts = { ...(b.alerts?.stagnant ? { stagnant: b.alerts.stagnant } : {}), ...(b.alerts?.silentQuote ? { silentQuote: b.alerts.silentQuote } : {}) };
      await save(ctx, { nudges, alerts }, { ...nudges, ...alerts });
    });
  });

  app.put('/app/api/admin/rules/collection', async (req, reply) => {
    const s = await signedInForChange(req, reply);
    if (!s) return reply;
    return adminChange(kit, s, reply, 'collection', async (ctx) => {
      const collection = readValues(bodyOf(collectionBody, req.body), { escalateAfterDays: (t) => readWhole('collection', 'escalateAfterDays', t) });
      await save(ctx, { collection }, collection);
    });
  });

  app.put('/app/api/admin/rules/pool', async (req, reply) => {
    const s = await signedInForChange(req, reply);
    if (!s) return reply;
    return adminChange(kit, s, reply, 'pool', async (ctx) => {
      const whole = (key: keyof TenantSettings['pool']) => (t: string) => readWhole('pool', key, t);
      const pool = readValues(bodyOf(poolBody, req.body), {
        claimsPerDay: whole('claimsPerDay'),
        maxOpenLeads: whole('maxOpenLeads'),
        recycleDays: whole('recycleDays'),
        recycleWarnDays: whole('recycleWarnDays'),
        reclaimBlockDays: whole('reclaimBlockDays'),
        goldenMinutes: whole('goldenMinutes'),
      });
      await save(ctx, { pool }, pool);
    });
  });

  app.put('/app/api/admin/rules/after-win', async (req, reply) => {
    const s = await signedInForChange(req, reply);
    if (!s) return reply;
    return adminChange(kit, s, reply, 'afterWin', async (ctx) => {
      const afterWin = readValues(bodyOf(afterWinBody, req.body), {
        visitDays: (t) => readWhole('afterWin', 'visitDays', t),
        winBackDays: (t) => readWhole('afterWin', 'winBackDays', t),
      });
      await save(ctx, { afterWin }, afterWin);
    });
  });

  // The PDF quote: an empty letterhead means the company's name and empty lines none; terms and validity must be given.
  app.put('/app/api/admin/rules/quote-document', async (req, reply) => {
    const s = await signedInForChange(req, reply);
    if (!s) return reply;
    return adminChange(kit, s, reply, 'quoteDocument', async (ctx) => {
      const b = bodyOf(quoteBody, req.body);
      const patch: Partial<TenantSettings['quoteDocument']> = {};
      for (const field of ['header', 'lines', 'terms', 'validityDays'] as const satisfies QuoteDocumentField[]) {
        const v = b[field];
        if (v === undefined) continue;
        if (!v.trim() && field === 'terms') throw new FieldError(field, '请写上报价条款，每条一行。');
        if (!v.trim() && field === 'validityDays') throw new FieldError(field, '请写上有效期天数（1–365），例如 30天。');
        const r = readQuoteDocument(field, v);
        if (!r.ok) throw new FieldError(field, r.message);
        Object.assign(patch, { [field]: r.value });
      }
      await save(ctx, { quoteDocument: patch }, patch);
    });
  });

  // Voice notes: shown back for 确认 before they are written (the same service as /设置 语音确认 开|关).
  app.put('/app/api/admin/rules/voice', async (req, reply) => {
    const s = await signedInForChange(req, reply);
    if (!s) return reply;
    return adminChange(kit, s, reply, 'voice', async (ctx) => {
      await setVoiceConfirm(ctx, bodyOf(voiceBody, req.body).confirm ? '开' : '关');
    });
  });

  // Working hours (when reminders fall due, the golden-response clock) and quiet hours (when nothing is sent).
  app.put('/app/api/admin/rules/hours', async (req, reply) => {
    const s = await signedInForChange(req, reply);
    if (!s) return reply;
    return adminChange(kit, s, reply, 'hours', async (ctx) => {
      const b = bodyOf(hoursBody, req.body);
      const workingHours = { start: b.workStart, end: b.workEnd, days: days(b.workDays) };
      const quietHours = { enabled: b.quietEnabled, start: b.quietStart, end: b.quietEnd, days: days(b.quietDays) };
      const wrong = checkHours(workingHours, quietHours);
      if (wrong) throw new FieldError(wrong.field, wrong.message);
      await updateSettings(ctx, { workingHours, quietHours });
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
