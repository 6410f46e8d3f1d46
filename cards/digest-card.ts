// The daily team digest card: pipeline by stage, yesterday's movement, overdue per owner, approvals, conversion.
import { conversionText, cycleText, yuan } from './format.js';
import { joinText, md, ours } from './markup.js';
import type { Card, CardLink } from './model.js';

export interface DigestCardInput {
  teamName: string;
  date: string;
  pipeline: Array<{ stage: string; count: number; amountFen: number }>;
  /** Heading of the movement section when it covers more than yesterday (default 昨日动态). */
  movedLabel?: string;
  moved: { newDeals: number; stageChanges: number; won: number; lost: number; wonFen: number };
  overdue: Array<{ owner: string; count: number }>;
  approvalsWaiting: number;
  conversion: Array<{ from: string; to: string; rate: number | null }>;
  avgCycleDays: number | null;
  /** This month's collection against plan (回款达成率); the section is left out when neither is set. */
  collection?: { plannedFen: number; receivedFen: number };
  /** The team's month (业绩); coverage in tenths (23 = 2.3×), null when nothing of the target remains. */
  performance?: { targetFen: number; wonFen: number; forecastFen: number; gapFen: number; coverageTenths: number | null };
  /** The week's trend (YYYY-MM-DD, oldest first): drawn as the card's chart with the pipeline bars; no chart without it. */
  trend?: Array<{ date: string; newDeals: number; followUps: number; won: number }>;
  /** The dashboard: where a reader of the digest signs in to see more (our words, our address). */
  dashboard?: CardLink;
}

/** Whole percent of two fen amounts, in integers; `—` with nothing planned. */
const rate = (part: number, whole: number) => (whole > 0 ? `${Math.floor((part * 100 + Math.floor(whole / 2)) / whole)}%` : '—');

function performanceLine(p: NonNullable<DigestCardInput['performance']>): string {
  const won = `已成交 ${yuan(p.wonFen)} · 预测 ${yuan(p.forecastFen)}`;
  if (p.targetFen === 0) return `- 目标未设置 · ${won}`;
  const coverage = p.coverageTenths === null ? '目标已完成' : `覆盖率 ${Math.floor(p.coverageTenths / 10)}.${p.coverageTenths % 10}×`;
  return `- 目标 ${yuan(p.targetFen)} · ${won} · ${coverage} · 缺口 ${p.gapFen > 0 ? yuan(p.gapFen) : '无'}`;
}

export function buildDigestCard(i: DigestCardInput): Card {
  const total = i.pipeline.reduce((a, p) => ({ n: a.n + p.count, fen: a.fen + p.amountFen }), { n: 0, fen: 0 });
  const lines = [
    ours('**销售漏斗**'),
    ...i.pipeline.map((p) => md`- ${p.stage}：${p.count} 个 · ${yuan(p.amountFen)}`),
    ours(`- 合计：${total.n} 个 · ${yuan(total.fen)}`),
    ours(`**${i.movedLabel ?? '昨日动态'}**`),
    ours(`- 新商机 ${i.moved.newDeals} · 阶段推进 ${i.moved.stageChanges} · 签约 ${i.moved.won}（${yuan(i.moved.wonFen)}）· 输单 ${i.moved.lost}`),
    ours('**超期未跟进**'),
    ...(i.overdue.length > 0 ? i.overdue.map((o) => md`- ${o.owner}：${o.count} 个`) : [ours('- 无 👍')]),
    ours('**转化率（近90天）**'),
    md`- ${i.conversion.map((c) => `${c.from}→${c.to} ${conversionText(c.rate)}`).join('，')}`,
    ours(`- 平均成交周期：${cycleText(i.avgCycleDays)}`),
    ...(i.collection && (i.collection.plannedFen > 0 || i.collection.receivedFen > 0)
      ? [ours('**本月回款**'), ours(`- 已回 ${yuan(i.collection.receivedFen)} / 计划 ${yuan(i.collection.plannedFen)} · 回款达成率 ${rate(i.collection.receivedFen, i.collection.plannedFen)}`)]
      : []),
    ...(i.performance && (i.performance.targetFen > 0 || i.performance.forecastFen > 0)
      ? [ours('**本月业绩**'), ours(performanceLine(i.performance))]
      : []),
  ];
  return {
    kind: 'digest',
    title: `📊 ${i.teamName} 每日战报 ${i.date}`,
    state: 'info',
    fields: [
      { label: '在手商机', value: `${total.n} 个` },
      { label: '金额', value: yuan(total.fen) },
      { label: '待审批', value: `${i.approvalsWaiting} 个` },
      { label: '超期', value: `${i.overdue.reduce((a, o) => a + o.count, 0)} 个` },
    ],
    body: joinText(lines),
    buttons: [],
    // The chart shows the same numbers as the text: the pipeline lines above, and the week's movement.
    ...(i.trend
      ? {
          chart: {
            bars: i.pipeline.map((p) => ({ label: p.stage, count: p.count, amountFen: p.amountFen })),
            trend: i.trend.map((d) => ({ day: d.date.slice(5), newDeals: d.newDeals, followUps: d.followUps, won: d.won })),
          },
        }
      : {}),
    ...(i.dashboard ? { link: i.dashboard } : {}),
  };
}
