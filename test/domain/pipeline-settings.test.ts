import { describe, expect, it } from 'vitest';
import { mergeSettings, readSettings, tenantSettingsSchema } from '../../src/domain/settings.js';
import { DEFAULT_EXIT_CRITERIA, STAGE_LABELS, checkAdvance, parseStage, type StageFacts } from '../../src/domain/stages.js';

const issues = (value: unknown) => {
  const r = tenantSettingsSchema.safeParse(value);
  return r.success ? [] : r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
};
const facts = (f: Partial<StageFacts> = {}): StageFacts => ({ followUpCount: 0, followUpsWithNeed: 0, amountFen: null, approvedQuotes: 0, ...f });

describe('pipeline settings: schema', () => {
  it('defaults to today\'s stage names and exit criteria', () => {
    const s = readSettings({});
    expect(s.pipeline.labels).toEqual(STAGE_LABELS);
    expect(s.pipeline.labels).toEqual({ lead: '线索', first_visit: '初访', proposal: '方案', quote: '报价', won: '签约', lost: '输单' });
    expect(s.pipeline.exitCriteria).toEqual({
      leaveLead: { minFollowUps: 1 },
      leaveVisit: { requireNeed: true },
      enterQuote: { requireAmount: false },
      enterWon: { requireApprovedQuote: true },
    });
    expect(s.pipeline.exitCriteria).toEqual(DEFAULT_EXIT_CRITERIA);
    // Settings stored before the pipeline section existed read the same way.
    expect(readSettings({ approval: { financeTechMinFen: 1 } }).pipeline).toEqual(s.pipeline);
  });

  it('fills in the labels and criteria that are not set', () => {
    const s = tenantSettingsSchema.parse({ pipeline: { labels: { proposal: ' 打样 ' }, exitCriteria: { leaveLead: { minFollowUps: 2 } } } });
    expect(s.pipeline.labels).toMatchObject({ proposal: '打样', quote: '报价', won: '签约' });
    expect(s.pipeline.exitCriteria).toMatchObject({ leaveLead: { minFollowUps: 2 }, enterWon: { requireApprovedQuote: true } });
  });

  it('rejects empty, long, spaced, slashed and duplicate labels', () => {
    expect(issues({ pipeline: { labels: { proposal: '' } } })).toEqual([{ path: 'pipeline.labels.proposal', message: '阶段名称不能为空' }]);
    expect(issues({ pipeline: { labels: { proposal: '   ' } } })[0]?.message).toBe('阶段名称不能为空');
    expect(issues({ pipeline: { labels: { proposal: '一二三四五六七八九' } } })[0]?.message).toBe('阶段名称最多 8 个字');
    expect(issues({ pipeline: { labels: { proposal: '一二三四五六七八' } } })).toEqual([]);
    expect(issues({ pipeline: { labels: { proposal: '打 样' } } })[0]?.message).toBe('阶段名称不能包含空格或斜杠');
    expect(issues({ pipeline: { labels: { proposal: '打样/方案' } } })[0]?.message).toBe('阶段名称不能包含空格或斜杠');
    expect(issues({ pipeline: { labels: { proposal: '打样／方案' } } })[0]?.message).toBe('阶段名称不能包含空格或斜杠');
    expect(issues({ pipeline: { labels: { proposal: '打样', quote: '打样' } } })).toEqual([
      { path: 'pipeline.labels.quote', message: '阶段名称「打样」与「方案」（proposal）阶段重复' },
    ]);
    expect(issues({ pipeline: { labels: { proposal: 'Sample', quote: 'sample' } } })[0]?.path).toBe('pipeline.labels.quote');
    // Another stage's default name (or alias / English key) would make /推进 ambiguous.
    expect(issues({ pipeline: { labels: { proposal: '报价', quote: '核价' } } })).toEqual([
      { path: 'pipeline.labels.proposal', message: '阶段名称「报价」是「报价」阶段的默认叫法，不能用于其他阶段' },
    ]);
    expect(issues({ pipeline: { labels: { proposal: 'quote', quote: '核价' } } })[0]?.path).toBe('pipeline.labels.proposal');
    // A stage may use its own aliases.
    expect(issues({ pipeline: { labels: { won: '成交', first_visit: '拜访' } } })).toEqual([]);
  });

  it('rejects invalid exit criteria', () => {
    expect(issues({ pipeline: { exitCriteria: { leaveLead: { minFollowUps: -1 } } } })[0]?.path).toBe('pipeline.exitCriteria.leaveLead.minFollowUps');
    expect(issues({ pipeline: { exitCriteria: { leaveLead: { minFollowUps: 1.5 } } } })[0]?.path).toBe('pipeline.exitCriteria.leaveLead.minFollowUps');
    expect(issues({ pipeline: { exitCriteria: { enterWon: { requireApprovedQuote: 'no' } } } })[0]?.path).toBe(
      'pipeline.exitCriteria.enterWon.requireApprovedQuote',
    );
  });

  it('deep-merges a change so other labels and criteria are kept', () => {
    const before = tenantSettingsSchema.parse({ pipeline: { labels: { proposal: '打样' }, exitCriteria: { leaveLead: { minFollowUps: 3 } } } });
    const next = tenantSettingsSchema.parse(
      mergeSettings(before, { pipeline: { labels: { won: '成单' }, exitCriteria: { enterWon: { requireApprovedQuote: false } } } }),
    );
    expect(next.pipeline.labels).toMatchObject({ proposal: '打样', won: '成单', lead: '线索' });
    expect(next.pipeline.exitCriteria).toMatchObject({ leaveLead: { minFollowUps: 3 }, enterWon: { requireApprovedQuote: false } });
    expect(next.quietHours.days).toEqual([6, 7]);
    expect(tenantSettingsSchema.parse(mergeSettings(before, { quietHours: { days: [7] } })).quietHours.days).toEqual([7]);
  });
});

describe('pipeline settings: stage names and exit criteria', () => {
  const labels = { ...STAGE_LABELS, proposal: '打样', won: '成单' };

  it('reads the configured label, the default label and the English key', () => {
    expect(parseStage('打样', labels)).toBe('proposal');
    expect(parseStage('方案', labels)).toBe('proposal');
    expect(parseStage('proposal', labels)).toBe('proposal');
    expect(parseStage('成单', labels)).toBe('won');
    expect(parseStage('签约', labels)).toBe('won');
    expect(parseStage('打样')).toBeUndefined();
  });

  it('words refusals with the configured labels and applies the configured criteria', () => {
    expect(checkAdvance('lead', 'proposal', facts(), { labels })).toEqual([
      '离开「线索」需要：至少一条跟进记录（用 /跟进 记录一次联系）',
      '离开「初访」需要：一条写明客户需求或下一步的跟进（/跟进 … 下一步:…）',
    ]);
    const two = { ...DEFAULT_EXIT_CRITERIA, leaveLead: { minFollowUps: 2 } };
    expect(checkAdvance('lead', 'first_visit', facts({ followUpCount: 1 }), { labels, exitCriteria: two })).toEqual([
      '离开「线索」需要：至少 2 条跟进记录（目前 1 条，用 /跟进 记录联系）',
    ]);
    const none = { ...DEFAULT_EXIT_CRITERIA, leaveLead: { minFollowUps: 0 }, leaveVisit: { requireNeed: false } };
    expect(checkAdvance('lead', 'proposal', facts(), { labels, exitCriteria: none })).toEqual([]);
    // Entering 成单 (签约) needs an approved quote by default …
    expect(checkAdvance('quote', 'won', facts({ amountFen: 100 }), { labels })).toEqual(['进入「成单」需要：一份已审批通过的报价（用 /报价 发起审批）']);
    // … or only an amount when the tenant says so.
    const amountOk = { ...DEFAULT_EXIT_CRITERIA, enterWon: { requireApprovedQuote: false } };
    expect(checkAdvance('quote', 'won', facts({ amountFen: 100 }), { labels, exitCriteria: amountOk })).toEqual([]);
    expect(checkAdvance('quote', 'won', facts({ approvedQuotes: 1 }), { labels, exitCriteria: amountOk })).toEqual([]);
    expect(checkAdvance('quote', 'won', facts(), { labels, exitCriteria: amountOk })).toEqual([
      '进入「成单」需要：商机金额或一份已审批通过的报价（这个商机还没有填写金额）',
    ]);
    // Entering 报价 needs an amount when configured, also when skipping over it.
    const needAmount = { ...DEFAULT_EXIT_CRITERIA, enterQuote: { requireAmount: true } };
    expect(checkAdvance('proposal', 'quote', facts(), { exitCriteria: needAmount })).toEqual(['进入「报价」需要：商机金额（这个商机还没有填写金额）']);
    expect(checkAdvance('proposal', 'quote', facts(), {})).toEqual([]);
    expect(checkAdvance('proposal', 'won', facts({ approvedQuotes: 1 }), { exitCriteria: needAmount })).toEqual([
      '进入「报价」需要：商机金额（这个商机还没有填写金额）',
    ]);
  });
});
