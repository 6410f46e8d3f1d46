// Per-tenant rules with their defaults: approval thresholds, nudge timings, quiet and working hours, digests,
// and the pipeline (stage display names and exit criteria).
// Stored as JSON on the tenant; every read goes through this schema so a missing key means "the default".
import { z } from 'zod';
import { DEFAULT_EXIT_CRITERIA, STAGES, STAGE_LABELS, parseDefaultStage, type Stage } from './stages.js';

const hour = z.number().int().min(0).max(23);

/** A stage's display name: typed in chat commands, so short, without spaces or slashes. */
export const stageLabelSchema = z
  .string()
  .trim()
  .min(1, { error: '阶段名称不能为空' })
  .max(8, { error: '阶段名称最多 8 个字' })
  .regex(/^[^\s/\\／＼]*$/u, { error: '阶段名称不能包含空格或斜杠' });

const labelShape = Object.fromEntries(STAGES.map((s) => [s, stageLabelSchema.default(STAGE_LABELS[s])])) as {
  [K in Stage]: z.ZodDefault<typeof stageLabelSchema>;
};

/**
 * Labels must be unique across stages (compared case-insensitively, as chat commands read them), and may not
 * be another stage's built-in name (方案, 成交, quote …): commands accept those too, so they would be ambiguous.
 */
function uniqueLabels(labels: Partial<Record<Stage, string>>, ctx: z.core.$RefinementCtx) {
  const seen = new Map<string, Stage>();
  for (const s of STAGES) {
    const label = labels[s];
    if (label === undefined) continue;
    const key = label.toLowerCase();
    const other = seen.get(key);
    const builtIn = parseDefaultStage(label);
    if (other) ctx.addIssue({ code: 'custom', path: [s], message: `阶段名称「${label}」与「${STAGE_LABELS[other]}」（${other}）阶段重复` });
    else if (builtIn && builtIn !== s) {
      ctx.addIssue({ code: 'custom', path: [s], message: `阶段名称「${label}」是「${STAGE_LABELS[builtIn]}」阶段的默认叫法，不能用于其他阶段` });
    } else seen.set(key, s);
  }
}

const alertRecipients = z.object({
  owner: z.boolean().default(true),
  manager: z.boolean().default(true),
  directorSummary: z.boolean().default(true),
});
export type AlertRecipients = z.infer<typeof alertRecipients>;

const ec = DEFAULT_EXIT_CRITERIA;
export const pipelineSettingsSchema = z.object({
  /** Display names per stage key; commands accept these as well as the default labels and English keys. */
  labels: z.object(labelShape).superRefine(uniqueLabels).prefault({}),
  exitCriteria: z
    .object({
      /** Follow-ups needed before a deal may leave 线索. */
      leaveLead: z.object({ minFollowUps: z.number().int().min(0).default(ec.leaveLead.minFollowUps) }).prefault({}),
      /** Leaving 初访 needs a follow-up stating the need / next step. */
      leaveVisit: z.object({ requireNeed: z.boolean().default(ec.leaveVisit.requireNeed) }).prefault({}),
      /** Entering 报价 needs a deal amount. */
      enterQuote: z.object({ requireAmount: z.boolean().default(ec.enterQuote.requireAmount) }).prefault({}),
      /** Entering 签约 needs an approved quote; when false, a deal amount is enough. */
      enterWon: z.object({ requireApprovedQuote: z.boolean().default(ec.enterWon.requireApprovedQuote) }).prefault({}),
    })
    .prefault({}),
});

/**
 * A change to `pipeline` (admin API / settings service): every key optional and without defaults, so
 * only what is sent changes; `mergeSettings` deep-merges it and the full schema validates the result.
 */
export const pipelinePatchSchema = z
  .object({
    labels: z
      .object(Object.fromEntries(STAGES.map((s) => [s, stageLabelSchema.optional()])) as { [K in Stage]: z.ZodOptional<typeof stageLabelSchema> })
      .strict()
      .optional(),
    exitCriteria: z
      .object({
        leaveLead: z.object({ minFollowUps: z.number().int().min(0).optional() }).strict().optional(),
        leaveVisit: z.object({ requireNeed: z.boolean().optional() }).strict().optional(),
        enterQuote: z.object({ requireAmount: z.boolean().optional() }).strict().optional(),
        enterWon: z.object({ requireApprovedQuote: z.boolean().optional() }).strict().optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

/** One assignment rule: a lead whose region (地区) or industry/name/product (关键词) contains `match` → a team or a rep. */
export const assignmentRuleSchema = z
  .object({
    by: z.enum(['region', 'keyword']),
    match: z.string().trim().min(1, { error: '匹配词不能为空' }).max(20, { error: '匹配词最多 20 个字' }),
    teamId: z.guid().optional(),
    userId: z.guid().optional(),
  })
  .refine((r) => (r.teamId === undefined) !== (r.userId === undefined), { error: '每条规则要么分给一个团队，要么分给一个人' });
export type AssignmentRule = z.infer<typeof assignmentRuleSchema>;

export const assignmentSettingsSchema = z.object({
  /** Tried in order; the first that matches and has someone to take the lead wins. */
  rules: z.array(assignmentRuleSchema).max(100, { error: '最多 100 条分配规则' }).default([]),
  /** No rule matched: round-robin within this team; null = the lead stays in the pool. */
  defaultTeamId: z.guid().nullable().default(null),
});

export const tenantSettingsSchema = z.object({
  approval: z
    .object({
      /** Quotes above this amount (strictly) need finance and tech approval (fen; default 50,000 CNY). The name is kept for stored settings. */
      financeTechMinFen: z.number().int().positive().default(5_000_000),
      /** Discounts above this need the sales director (basis points; default 5%). */
      directorDiscountBp: z.number().int().min(0).max(10_000).default(500),
      /** A pending step older than this many working hours reminds its approver once. */
      reminderWorkingHours: z.number().positive().default(8),
      /**
       * Where a deactivated approver's pending steps go: their manager (up the reporting line, then an admin),
       * or, when they leave through a handover (/交接), the handover's receiver. Never the requester.
       * Default: the manager, who already approves for that team and whose authority the step needs.
       */
      strandedStepsTo: z.enum(['manager', 'receiver']).default('manager'),
    })
    .prefault({}),
  nudges: z
    .object({
      silenceHours: z.number().positive().default(48),
      escalateAfterHours: z.number().positive().default(24),
      snoozeHours: z.number().positive().default(24),
      newLeadHours: z.number().positive().default(24),
      stagnantDays: z.number().positive().default(30),
      silentQuoteDays: z.number().positive().default(15),
    })
    .prefault({}),
  /**
   * Who hears each watcher rule (stagnant deal, approved quote gone silent): the deal's owner, the owner's
   * manager, and the sales directors as one daily summary instead of a message per deal.
   */
  alerts: z
    .object({
      stagnant: alertRecipients.prefault({}),
      silentQuote: alertRecipients.prefault({}),
    })
    .prefault({}),
  quietHours: z
    .object({
      enabled: z.boolean().default(true),
      /** Nothing is sent from `start` until `end` (local time) … */
      start: hour.default(21),
      end: hour.default(8),
      /** … nor on these ISO weekdays (6 = Saturday, 7 = Sunday). */
      days: z.array(z.number().int().min(1).max(7)).default([6, 7]),
    })
    .prefault({}),
  workingHours: z
    .object({
      start: hour.default(9),
      end: hour.default(18),
      days: z.array(z.number().int().min(1).max(7)).default([1, 2, 3, 4, 5]),
    })
    .prefault({}),
  digest: z.object({ hour: hour.default(8), enabled: z.boolean().default(true) }).prefault({}),
  /** The PDF quote (报价单) sent when a quote is approved: letterhead, terms and how long a price holds. */
  quoteDocument: z
    .object({
      /** The seller's name at the top; empty → the tenant's name. */
      header: z.string().max(60).default(''),
      /** Lines under it: address, phone, bank account … */
      lines: z.array(z.string().max(100)).max(6).default([]),
      terms: z
        .string()
        .max(600)
        .default('1. 以上价格含 13% 增值税，运费另计。\n2. 交货期：收到预付款后与客户另行确认。\n3. 付款方式：按合同约定。'),
      validityDays: z.number().int().min(1).max(365).default(30),
    })
    .prefault({}),
  /** Stage names and exit criteria; the defaults are the built-in pipeline. */
  pipeline: pipelineSettingsSchema.prefault({}),
  /** The lead pool (公海): claim limits, recycling, the golden-response clock (src/services/pool.ts). */
  pool: z
    .object({
      /** Claims (/领取) per rep per local day. */
      claimsPerDay: z.number().int().min(1).max(1000).default(10),
      /** A rep holding this many open leads (潜在 customers) claims no more and is skipped by round-robin. */
      maxOpenLeads: z.number().int().min(1).max(100_000).default(200),
      /** An owned 潜在 customer with no follow-up and no open deal for this many days goes back to the pool; 0 = never. */
      recycleDays: z.number().int().min(0).max(3650).default(30),
      /** The owner is warned this many days before. */
      recycleWarnDays: z.number().int().min(0).max(60).default(3),
      /** A rep may not claim back a customer recycled from them for this many days. */
      reclaimBlockDays: z.number().int().min(0).max(3650).default(30),
      /** A newly assigned lead untouched after this many working minutes reminds its owner (黄金响应). */
      goldenMinutes: z.number().int().min(1).max(24 * 60).default(30),
    })
    .prefault({}),
  assignment: assignmentSettingsSchema.prefault({}),
  /** After the win: the 回访 task, and the 沉默客户挽回 reminder (src/services/after-win.ts). */
  afterWin: z
    .object({
      /** The 回访 (after-sales visit) task falls due this many days after the win. */
      visitDays: z.number().int().min(1).max(365).default(7),
      /** A 正式 customer with no order or follow-up for this many days → 沉默客户挽回 to its owner; 0 = never. */
      winBackDays: z.number().int().min(0).max(3650).default(90),
    })
    .prefault({}),
});

export type TenantSettings = z.infer<typeof tenantSettingsSchema>;

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Merges a partial change into settings, recursively for nested objects (arrays and scalars replace), so
 * `{ pipeline: { labels: { proposal: '打样' } } }` keeps the other labels and criteria. Validate the result.
 */
export function mergeSettings(base: unknown, patch: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(patch)) return patch === undefined ? base : patch;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(patch)) if (v !== undefined) out[k] = mergeSettings(base[k], v);
  return out;
}

/** Reads stored settings; anything invalid falls back to the defaults for that key. */
export function readSettings(stored: unknown): TenantSettings {
  const parsed = tenantSettingsSchema.safeParse(stored ?? {});
  return parsed.success ? parsed.data : tenantSettingsSchema.parse({});
}
