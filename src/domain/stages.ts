// The default pipeline (线索 → 初访 → 方案 → 报价 → 签约 / 输单) and its exit criteria; pure, no I/O.
export const STAGES = ['lead', 'first_visit', 'proposal', 'quote', 'won', 'lost'] as const;
export type Stage = (typeof STAGES)[number];
export const OPEN_STAGES: readonly Stage[] = ['lead', 'first_visit', 'proposal', 'quote'];
export const PIPELINE: readonly Stage[] = ['lead', 'first_visit', 'proposal', 'quote', 'won'];

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

export function parseStage(text: string): Stage | undefined {
  return STAGE_ALIASES[text.trim().toLowerCase()];
}

export const isOpenStage = (s: Stage) => OPEN_STAGES.includes(s);

/** Facts about a deal that the exit criteria look at; gathered by services/deals.ts. */
export interface StageFacts {
  followUpCount: number;
  /** Follow-ups whose next step / 需求 is non-empty. */
  followUpsWithNeed: number;
  amountFen: number | null;
  approvedQuotes: number;
}

/** Exit criteria per stage: what must hold to leave it (or, for 'won', to enter it). Returns what is missing. */
export function missingForLeaving(stage: Stage, f: StageFacts): string[] {
  switch (stage) {
    case 'lead':
      return f.followUpCount > 0 ? [] : ['至少一条跟进记录（用 /跟进 记录一次联系）'];
    case 'first_visit':
      return f.followUpsWithNeed > 0 ? [] : ['一条写明客户需求或下一步的跟进（/跟进 … 下一步:…）'];
    default:
      return [];
  }
}

export function missingForEntering(stage: Stage, f: StageFacts): string[] {
  if (stage === 'won' && f.approvedQuotes === 0) return ['一份已审批通过的报价（用 /报价 发起审批）'];
  return [];
}

/**
 * Checks a forward move from `from` to `to`, including every skipped stage's criteria.
 * Returns the list of unmet criteria (empty = allowed).
 */
export function checkAdvance(from: Stage, to: Stage, f: StageFacts): string[] {
  const i = PIPELINE.indexOf(from);
  const j = PIPELINE.indexOf(to);
  const missing: string[] = [];
  for (let k = i; k < j; k++) {
    const stage = PIPELINE[k]!;
    for (const m of missingForLeaving(stage, f)) missing.push(`离开「${STAGE_LABELS[stage]}」需要：${m}`);
  }
  for (const m of missingForEntering(to, f)) missing.push(`进入「${STAGE_LABELS[to]}」需要：${m}`);
  return missing;
}

export const stageIndex = (s: Stage) => PIPELINE.indexOf(s);
