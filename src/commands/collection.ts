// /回款计划 (payment plan) and /回款 (payment received) on won deals, and the payment lines /查看 shows.
import { joinText, md, type Text } from '../../cards/markup.js';
import type { CollectionStatus, PlanShare } from '../domain/collection.js';
import { percentOf } from '../domain/collection.js';
import { formatDay, isBeforeToday, parseDueDate, wallClock, zonedTime } from '../domain/dates.js';
import { amountProblemText, formatFen, parseAmountToFen, parsePercent } from '../domain/money.js';
import { collectionOfDeals, recordPayment, setPaymentPlan } from '../services/collection.js';
import { dealShortId } from '../services/deals.js';
import { type CommandEnv, type CommandSpec, UsageError, markdown, text } from './contract.js';
import { resolveDeal } from './resolve.js';

/** Yearless dates that land further ahead than this were probably meant for a day that just passed (as /跟进). */
const ROLLOVER_ASK_DAYS = 183;

/** A plan's due day: today or later; a yearless date far ahead is asked about, as /跟进 下次 does. */
function planDay(env: CommandEnv, typed: string, n: number): string {
  const { now, timeZone } = env.ctx;
  const d = parseDueDate(typed, now, timeZone);
  if (!d.ok) throw new UsageError(`看不懂第 ${n} 期的日期「${typed}」。可以写：12-31、2027-03-31。`);
  if (isBeforeToday(d.date, now, timeZone)) throw new UsageError(`第 ${n} 期的日期「${typed}」已经过去了，回款计划要写今天或以后的日期。`);
  if (d.rolledOver && d.date.getTime() - now.getTime() > ROLLOVER_ASK_DAYS * 86_400_000) {
    const full = formatDay(d.date, timeZone);
    throw new UsageError(`第 ${n} 期的「${typed}」今年已经过去了。是指 ${full} 吗？请写完整日期：${full}`);
  }
  return formatDay(d.date, timeZone);
}

/** The day money arrived: today or earlier; a yearless date is the latest such day (12-01 typed on 12-03 is this year's). */
function receiptDay(env: CommandEnv, typed: string): string | undefined {
  const { now, timeZone } = env.ctx;
  const back = { 昨天: 1, 前天: 2 }[typed.trim() as '昨天'];
  if (back) {
    const w = wallClock(now, timeZone);
    return formatDay(zonedTime({ year: w.year, month: w.month, day: w.day - back, hour: 12, minute: 0 }, timeZone), timeZone);
  }
  const d = parseDueDate(typed, now, timeZone);
  if (!d.ok) return undefined;
  if (!d.rolledOver) return formatDay(d.date, timeZone);
  const w = wallClock(d.date, timeZone);
  return formatDay(zonedTime({ year: w.year - 1, month: w.month, day: w.day, hour: 12, minute: 0 }, timeZone), timeZone);
}

function share(typed: string, n: number): Omit<PlanShare, 'dueOn'> & ({ basisPoints: number } | { amountFen: number }) {
  if (/[%％]$/.test(typed.trim())) {
    const p = parsePercent(typed);
    if (!p.ok || p.basisPoints === 0) throw new UsageError(`看不懂第 ${n} 期的比例「${typed}」。比例写成 30%。`);
    return { basisPoints: p.basisPoints };
  }
  const a = parseAmountToFen(typed);
  if (!a.ok) throw new UsageError(amountProblemText(`第 ${n} 期的金额`, typed, a.problem));
  return { amountFen: a.fen };
}

/** The plan, received, outstanding and overdue of one deal, as /回款计划, /回款 and /查看 show them. */
export function collectionLines(s: CollectionStatus): Text[] {
  const rate = percentOf(s.receivedFen, s.planFen);
  const lines: Text[] = [
    md`回款：已回 ${formatFen(s.receivedFen)} / ${formatFen(s.planFen)}${rate === null ? '' : `（${rate}%）`} · 未回 ${formatFen(s.outstandingFen)}${
      s.overdueFen > 0 ? ` · ⚠️ 逾期 ${formatFen(s.overdueFen)}` : ''}`,
  ];
  for (const i of s.instalments) {
    const state = i.outstandingFen === 0 ? '✅ 已回清' : i.overdue ? `⚠️ 逾期未回 ${formatFen(i.outstandingFen)}` : i.receivedFen > 0 ? `已回 ${formatFen(i.receivedFen)}` : '未到账';
    lines.push(md`- 第 ${String(i.seq)} 期 ${i.dueOn} ${formatFen(i.amountFen)} · ${state}`);
  }
  if (s.instalments.length === 0) lines.push(md`- （还没有回款计划）`);
  return lines;
}

export const paymentPlanCommand: CommandSpec = {
  id: 'payment-plan',
  names: ['回款计划', 'payment-plan', 'plan'],
  usage: '/回款计划 <商机> <比例或金额> <日期> [<比例或金额> <日期> …]',
  summary: '已签约商机的回款计划：每期写比例（30%）或金额（5万）和日期，合计须等于合同金额；重设会替换旧计划，已回款保留',
  examples: ['/回款计划 D-1 30% 12-31 70% 2027-03-31', '/回款计划 D-2 5万 12-15 10万 2027-01-31', '/payment-plan D-1 50% 2026-12-31 50% 2027-06-30'],
  async run(env, line) {
    const [ref, ...rest] = line.args;
    if (!ref) throw new UsageError('请写上商机和每一期的比例或金额、日期。');
    if (rest.length === 0) return showCollection(env, ref, `/回款计划 ${ref}`);
    if (rest.length % 2 !== 0) throw new UsageError('每一期都要写「比例或金额」和「日期」两项，例如：30% 12-31 70% 2027-03-31');
    const shares: PlanShare[] = [];
    for (let i = 0; i < rest.length; i += 2) {
      const n = i / 2 + 1;
      shares.push({ ...share(rest[i]!, n), dueOn: planDay(env, rest[i + 1]!, n) } as PlanShare);
    }
    const found = await resolveDeal(env, ref, (id) => `/回款计划 ${id} ${rest.join(' ')}`, { forPayments: true });
    if ('choice' in found) return found.choice;
    const deal = found.found;
    const r = await setPaymentPlan(env.ctx, deal, shares);
    const head = r.unchanged
      ? `${dealShortId(deal)}「${deal.title}」的回款计划没有变化。`
      : `已${r.replaced ? '替换' : '设置'} ${dealShortId(deal)}「${deal.title}」的回款计划（${r.status.instalments.length} 期）${r.replaced ? '，已回款保留并按期冲抵' : ''}：`;
    return [markdown(joinText([md`${head}`, ...collectionLines(r.status)]), '回款计划')];
  },
};

export const paymentCommand: CommandSpec = {
  id: 'payment',
  names: ['回款', 'payment', 'pay'],
  usage: '/回款 <商机> <金额> [日期] [备注]   查看：/回款 <商机>',
  summary: '财务或负责人登记已签约商机收到的回款（按期冲抵，超过未回款金额会被拒绝）；只写商机则查看回款情况',
  examples: ['/回款 D-1 5万', '/回款 D-1 ¥50,000 12-01 首付款', '/payment D-1 30000 昨天'],
  async run(env, line) {
    const [ref, amountText, ...rest] = line.args;
    if (!ref) throw new UsageError('请写上商机和收到的金额。');
    if (!amountText) return showCollection(env, ref, `/回款 ${ref}`);
    const amount = parseAmountToFen(amountText);
    if (!amount.ok) throw new UsageError(amountProblemText('回款金额', amountText, amount.problem));
    let receivedOn = formatDay(env.ctx.now, env.ctx.timeZone);
    let noteParts = rest;
    const day = rest[0] ? receiptDay(env, rest[0]) : undefined;
    if (day) {
      receivedOn = day;
      noteParts = rest.slice(1);
    }
    const note = [noteParts.join(' '), line.options.note].filter(Boolean).join(' ');
    const found = await resolveDeal(env, ref, (id) => `/回款 ${id} ${line.args.slice(1).join(' ')}`, { forPayments: true });
    if ('choice' in found) return found.choice;
    const deal = found.found;
    const r = await recordPayment(env.ctx, deal, { amountFen: amount.fen, receivedOn, ...(note ? { note } : {}) });
    const head = r.duplicate
      ? `这条回款已经登记过了（${dealShortId(deal)}）。`
      : `已登记回款 ${formatFen(amount.fen)} → ${dealShortId(deal)}「${deal.title}」（${receivedOn}${note ? `，${note}` : ''}）`;
    return [markdown(joinText([md`${head}`, ...collectionLines(r.status)]), '回款')];
  },
};

async function showCollection(env: CommandEnv, ref: string, again: string) {
  const found = await resolveDeal(env, ref, (id) => again.replace(ref, id), { forPayments: true });
  if ('choice' in found) return found.choice;
  const deal = found.found;
  const status = (await collectionOfDeals(env.ctx.db, [deal], env.ctx.now, env.ctx.timeZone)).get(deal.id);
  if (deal.stage !== 'won') return [text(`商机 ${dealShortId(deal)} 还没有签约；签约后可以设置回款计划：/回款计划 ${dealShortId(deal)} 30% 12-31 70% 2027-03-31`)];
  if (!status) return [text(`${dealShortId(deal)}「${deal.title}」还没有回款计划和回款。设置：/回款计划 ${dealShortId(deal)} 30% 12-31 70% 2027-03-31`)];
  return [markdown(joinText([md`${dealShortId(deal)}「${deal.title}」`, ...collectionLines(status)]), '回款')];
}
