// /业绩 (performance): target, won, pipeline closing in the period, coverage, forecast and gap, and each rep's win rate
// and average deal size over 90 days; and /设置 目标 (a rep's or a team's monthly target, or a quarter's).
import { joinText, md, type Text } from '../../cards/markup.js';
import { amountProblemText, formatFen, parseAmountToFen } from '../domain/money.js';
import { parsePeriod, type PeriodKind } from '../domain/periods.js';
import { performanceFor, type SalesPerformance } from '../services/performance.js';
import { findTargetSubject, setTarget } from '../services/targets.js';
import { type CommandEnv, type CommandSpec, UsageError, markdown } from './contract.js';

const PERIODS: Record<string, PeriodKind> = { 本月: 'month', month: 'month', 本季: 'quarter', 本季度: 'quarter', quarter: 'quarter' };

export const coverageText = (tenths: number | null) => (tenths === null ? '—（目标已完成）' : `${Math.floor(tenths / 10)}.${tenths % 10}×`);

/** The lines /业绩 shows for one scope. */
export function performanceLines(p: SalesPerformance): Text[] {
  const target = p.targetFrom === 'none' ? '未设置（/设置 目标 <人或团队> <月份> <金额>）' : `${formatFen(p.targetFen)}${p.targetFrom === 'team' ? '（团队目标）' : ''}`;
  const lines: Text[] = [
    md`- 目标：${target}`,
    md`- 已成交：${formatFen(p.wonFen)}（${String(p.wonCount)} 单）`,
    md`- 本期预计成交的在手商机：${String(p.pipelineCount)} 个 · ${formatFen(p.pipelineFen)} · 加权 ${formatFen(p.weightedFen)}`,
    md`- 预测：${formatFen(p.forecastFen)}（已成交 + 加权）`,
  ];
  if (p.targetFrom !== 'none') {
    lines.push(md`- 剩余目标：${formatFen(p.remainingFen)} · 覆盖率 ${coverageText(p.coverageTenths)}`);
    lines.push(md`- 缺口：${p.gapFen > 0 ? formatFen(p.gapFen) : '无 👍（预测已达目标）'}`);
  }
  lines.push(md`**近90天 赢单率 / 平均单笔**`);
  // A team's list shows the people who closed something (a whole company's would be hundreds of lines), at most 20.
  const shown = p.reps.length > 1 ? p.reps.filter((r) => r.won + r.lost > 0) : p.reps;
  if (shown.length === 0) lines.push(md`- 近90天还没有成交或输单`);
  for (const r of shown.slice(0, REPS_SHOWN)) {
    lines.push(md`- ${r.name}：赢单率 ${r.winRatePct === null ? '暂无' : `${r.winRatePct}%`}（赢 ${String(r.won)} 输 ${String(r.lost)}） · 平均单笔 ${r.avgDealFen === null ? '暂无' : formatFen(r.avgDealFen)}`);
  }
  if (shown.length > REPS_SHOWN) lines.push(md`- …另有 ${String(shown.length - REPS_SHOWN)} 人（/业绩 <人名> 查看个人）`);
  return lines;
}

const REPS_SHOWN = 20;

export const performanceCommand: CommandSpec = {
  id: 'performance',
  names: ['业绩', 'performance', 'forecast'],
  usage: '/业绩 [本月|本季] [人名|团队|团队名]',
  summary: '业绩与预测：目标、已成交、本期预计成交的在手商机（加权）、覆盖率、预测和缺口；每人近90天赢单率和平均单笔',
  examples: ['/业绩', '/业绩 本季', '/业绩 本月 张三', '/业绩 团队', '/forecast quarter team'],
  async run(env, line) {
    let kind: PeriodKind = 'month';
    const who: string[] = [];
    for (const a of line.args) {
      const p = PERIODS[a.toLowerCase()];
      if (p) kind = p;
      else who.push(a);
    }
    const p = await performanceFor(env.ctx, who.length > 0 ? who.join(' ') : undefined, kind);
    const label = kind === 'month' ? `本月 ${p.period.label}` : `本季 ${p.period.label}`;
    return [markdown(joinText(performanceLines(p)), `业绩（${p.scope} · ${label}）`)];
  },
};

/** `/设置 目标 <人或团队> <月份|季度> <金额>`: managers, directors and admins. */
export async function targetSetting(env: CommandEnv, args: string[]): Promise<Text> {
  if (args.length < 3) throw new UsageError('请写上人或团队、月份（2026-12）或季度（2027Q1）和金额，例如：/设置 目标 张三 2026-12 50万');
  const amountText = args.at(-1)!;
  const periodText = args.at(-2)!;
  const name = args.slice(0, -2).join(' ');
  const period = parsePeriod(periodText, env.ctx.now, env.ctx.timeZone);
  if (!period) throw new UsageError(`看不懂「${periodText}」：月份写 2026-12 或 12月，季度写 2027Q1 或 Q1，也可以写 本月、本季。`);
  const amount = parseAmountToFen(amountText);
  if (!amount.ok) throw new UsageError(amountProblemText('目标金额', amountText, amount.problem));
  const subject = await findTargetSubject(env.ctx, name);
  const split = await setTarget(env.ctx, subject, period, amount.fen);
  const who = `${subject.kind === 'team' ? '团队' : ''}${subject.name}`;
  const months = split.length > 1 ? `，按月分配：${split.map((m) => `${m.month} ${formatFen(m.amountFen)}`).join('、')}` : '';
  return md`已设置 ${who} ${period.label} 的业绩目标 ${formatFen(amount.fen)}${months}。查看：/业绩`;
}
