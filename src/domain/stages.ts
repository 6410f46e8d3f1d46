// The pipeline (线索 → 初访 → 方案 → 报价 → 签约 / 输单), its default labels and exit criteria; pure, no I/O.
// Tenants may rename stages and tune the criteria (domain/settings.ts `pipeline`).
export const STAGES = ['lead', 'first_visit', 'proposal', 'quote', 'won', 'lost'] as const;
export type Stage = (typeof STAGES)[number];
export type OpenStage = 'lead' | 'first_visit' | 'proposal' | 'quote';
export const OPEN_STAGES: readonly OpenStage[] = ['lead', 'first_visit', 'proposal', 'quote'];
export const PIPELINE: readonly Stage[] = ['lead', 'first_visit', 'proposal', 'quote', 'won'];

/** Typical days from entering an open stage to 签约, when a deal has no expected close date (settings pipeline.typicalDays). */
export const DEFAULT_TYPICAL_DAYS: Record<OpenStage, number> = { lead: 90, first_visit: 60, proposal: 45, quote: 30 };

export const STAGE_LABELS: Record<Stage, string> = {
  lead: '线索',
  first_visit: '初访',
  proposal: '方案',
  quote: '报价',
  won: '签约',
  lost: '输单',
};

/** Default win probability per stage, in percent. */
export const STAGE_PROBABILITY: Record<Stage, number> = {
  lead: 10,
  first_visit: 20,
  proposal: 40,
  quote: 60,
  won: 100,
  lost: 0,
};

const STAGE_ALIASES: Record<string, Stage> = {
  线索: 'lead', lead: 'lead', 初访: 'first_visit', 拜访: 'first_visit', visit: 'first_visit', first_visit: 'first_visit',
  方案: 'proposal', proposal: 'proposal', 报价: 'quote', quote: 'quote', 签约: 'won', 成交: 'won', 赢单: 'won',
  won: 'won', win: 'won', 输单: 'lost', 丢单: 'lost', lost: 'lost', lose: 'lost',
};

/** Display names per stage; a tenant may rename stages (e.g. 方案 → 打样) in its settings. */
export type StageLabels = Record<Stage, string>;

/**
 * Reads a stage the user typed: the tenant's configured label first (so a renamed stage wins over
 * a default label that happens to be spelled the same), then the default labels, aliases and English keys.
 */
export function parseStage(text: string, labels: StageLabels = STAGE_LABELS): Stage | undefined {
  const t = text.trim().toLowerCase();
  for (const s of STAGES) if (labels[s].trim().toLowerCase() === t) return s;
  return parseDefaultStage(t);
}

/** The stage a built-in name means (default labels, aliases such as 拜访/成交, English keys), ignoring renames. */
export function parseDefaultStage(text: string): Stage | undefined {
  return STAGE_ALIASES[text.trim().toLowerCase()];
}

export const isOpenStage = (s: Stage): s is OpenStage => (OPEN_STAGES as readonly Stage[]).includes(s);

/** Facts about a deal that the exit criteria look at; gathered by services/deals.ts. */
export interface StageFacts {
  followUpCount: number;
  /** Follow-ups whose next step / 需求 is non-empty. */
  followUpsWithNeed: number;
  amountFen: number | null;
  approvedQuotes: number;
}

/** Configurable exit criteria (tenant settings `pipeline.exitCriteria`); the defaults are the built-in rules. */
export interface ExitCriteria {
  leaveLead: { minFollowUps: number };
  leaveVisit: { requireNeed: boolean };
  enterQuote: { requireAmount: boolean };
  enterWon: { requireApprovedQuote: boolean };
}

export const DEFAULT_EXIT_CRITERIA: ExitCriteria = {
  leaveLead: { minFollowUps: 1 },
  leaveVisit: { requireNeed: true },
  enterQuote: { requireAmount: false },
  enterWon: { requireApprovedQuote: true },
};

const hasAmount = (f: StageFacts) => f.amountFen !== null && f.amountFen > 0;

/** Exit criteria per stage: what must hold to leave it. Returns what is missing. */
export function missingForLeaving(stage: Stage, f: StageFacts, c: ExitCriteria = DEFAULT_EXIT_CRITERIA): string[] {
  switch (stage) {
    case 'lead': {
      const min = c.leaveLead.minFollowUps;
      if (f.followUpCount >= min) return [];
      return [
        min === 1
          ? '至少一条跟进记录（用 /跟进 记录一次联系）'
          : `至少 ${min} 条跟进记录（目前 ${f.followUpCount} 条，用 /跟进 记录联系）`,
      ];
    }
    case 'first_visit':
      return !c.leaveVisit.requireNeed || f.followUpsWithNeed > 0 ? [] : ['一条写明客户需求或下一步的跟进（/跟进 … 下一步:…）'];
    default:
      return [];
  }
}

/** What must hold to enter a stage. */
export function missingForEntering(stage: Stage, f: StageFacts, c: ExitCriteria = DEFAULT_EXIT_CRITERIA): string[] {
  if (stage === 'quote' && c.enterQuote.requireAmount && !hasAmount(f)) return ['商机金额（这个商机还没有填写金额）'];
  if (stage === 'won') {
    if (c.enterWon.requireApprovedQuote) {
      return f.approvedQuotes > 0 ? [] : ['一份已审批通过的报价（用 /报价 发起审批）'];
    }
    return hasAmount(f) || f.approvedQuotes > 0 ? [] : ['商机金额或一份已审批通过的报价（这个商机还没有填写金额）'];
  }
  return [];
}

/**
 * Checks a forward move from `from` to `to`: the leaving criteria of `from` and every skipped stage, and the
 * entering criteria of every stage entered on the way (so skipping over 报价 still needs what 报价 needs).
 * Returns the list of unmet criteria (empty = allowed), worded with the tenant's stage labels.
 */
export function checkAdvance(
  from: Stage,
  to: Stage,
  f: StageFacts,
  rules: { labels?: StageLabels; exitCriteria?: ExitCriteria } = {},
): string[] {
  const labels = rules.labels ?? STAGE_LABELS;
  const c = rules.exitCriteria ?? DEFAULT_EXIT_CRITERIA;
  const i = PIPELINE.indexOf(from);
  const j = PIPELINE.indexOf(to);
  const missing: string[] = [];
  for (let k = i; k < j; k++) {
    const stage = PIPELINE[k]!;
    for (const m of missingForLeaving(stage, f, c)) missing.push(`离开「${labels[stage]}」需要：${m}`);
  }
  for (let k = i + 1; k <= j; k++) {
    const stage = PIPELINE[k]!;
    for (const m of missingForEntering(stage, f, c)) missing.push(`进入「${labels[stage]}」需要：${m}`);
  }
  return missing;
}

export const stageIndex = (s: Stage) => PIPELINE.indexOf(s);
