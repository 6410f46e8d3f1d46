// /跟进 (log): record a follow-up with next step and due date; /撤销 (undo) takes the last one back.
import { formatDate, formatDay, isBeforeToday, parseDueDate } from '../domain/dates.js';
import type { Customer } from '../services/customers.js';
import { customerShortId } from '../services/customers.js';
import { type Deal, dealShortId, onlyOpenDeal } from '../services/deals.js';
import {
  FOLLOW_UP_LABELS,
  type FollowUpKind,
  guessFollowUpKind,
  logFollowUp,
  undoLastFollowUp,
} from '../services/follow-ups.js';
import { type CommandEnv, type CommandSpec, UsageError, text } from './contract.js';
import { resolveDealOrCustomer } from './resolve.js';

const KIND_ALIASES: Record<string, FollowUpKind> = {
  拜访: 'visit', visit: 'visit', 电话: 'call', call: 'call', 微信: 'wechat', wechat: 'wechat',
  邮件: 'email', email: 'email', 样品: 'sample', sample: 'sample', 其他: 'other', other: 'other',
};

export const logCommand: CommandSpec = {
  id: 'log',
  names: ['跟进', 'log', '记录'],
  usage: '/跟进 <客户或商机> <内容> [下一步:…] [下次:日期，今天或以后] [类型:拜访/电话/微信/邮件/样品]',
  summary: '记录一次跟进（拜访、电话、样品…）和下一步',
  examples: ['/跟进 D-17 上门拜访，客户要 DN50 样品 下一步:寄样 下次:下周三', '/log C-3 called the buyer next:send quote due:11-30'],
  async run(env, line) {
    const [ref, ...words] = line.args;
    if (!ref || words.length === 0) throw new UsageError('请写上客户或商机，以及跟进内容。');
    const summary = line.rest.slice(line.rest.indexOf(ref) + ref.length).split(/\s(?:下一步|需求|next|下次|下次跟进|due|类型|方式|kind)\s*[:：]/i)[0]!.trim();
    let kind: FollowUpKind = guessFollowUpKind(summary);
    if (line.options.kind) {
      const k = KIND_ALIASES[line.options.kind.toLowerCase()];
      if (!k) throw new UsageError(`跟进类型只能是：拜访、电话、微信、邮件、样品、其他（收到「${line.options.kind}」）。`);
      kind = k;
    }
    let nextDueAt: Date | undefined;
    if (line.options.due) {
      const due = parseDueDate(line.options.due, env.ctx.now, env.ctx.timeZone);
      if (!due.ok) throw new UsageError(`看不懂日期「${line.options.due}」。可以写：今天、明天、后天、下周三、11-30、2026-12-01。`);
      nextDueAt = checkedDueDate(env, line.options.due, due);
    }
    const targetFound = await resolveDealOrCustomer(env, ref, (id) => `/跟进 ${id} ${line.rest.slice(line.rest.indexOf(ref) + ref.length).trim()}`);
    if ('choice' in targetFound) return targetFound.choice;
    const target = targetFound.found;
    const deal = target.deal ?? (await onlyOpenDeal(env.ctx, target.customer.id));
    return logAndReply(env, { customer: target.customer, ...(deal ? { deal } : {}) }, {
      kind,
      summary: summary || words.join(' '),
      ...(line.options.next ? { nextStep: line.options.next } : {}),
      ...(nextDueAt ? { nextDueAt } : {}),
    });
  },
};

/** Yearless dates that land further ahead than this were probably meant for a day that just passed. */
const ROLLOVER_ASK_DAYS = 183;

/**
 * A next-contact date must not be in the past. A yearless date is the next such day, but when that is more than
 * ~6 months away (`11-30` typed on 12-02) the rep most likely meant the day that just passed: ask for the full
 * date instead of silently scheduling next year. Both refusals write nothing.
 */
function checkedDueDate(env: CommandEnv, typed: string, due: { date: Date; rolledOver?: true }): Date {
  const { now, timeZone } = env.ctx;
  if (isBeforeToday(due.date, now, timeZone)) {
    throw new UsageError(`「${typed}」已经过去了。下次跟进要写今天或以后的日期，例如 下次:明天、下次:下周三。是写错年份了吗？`);
  }
  if (due.rolledOver && due.date.getTime() - now.getTime() > ROLLOVER_ASK_DAYS * 86_400_000) {
    const full = formatDay(due.date, timeZone);
    throw new UsageError(`「${typed}」今年已经过去了。是指 ${full} 吗？请写完整日期：下次:${full}`);
  }
  return due.date;
}

export async function logAndReply(
  env: CommandEnv,
  target: { customer: Customer; deal?: Deal },
  input: { kind: FollowUpKind; summary: string; nextStep?: string; nextDueAt?: Date },
) {
  return followUpReply(env, target, await logFollowUp(env.ctx, target, input));
}

/** The answer to a recorded follow-up (typed, a plain sentence, or a confirmed voice note). */
export function followUpReply(env: CommandEnv, target: { customer: Customer; deal?: Deal }, f: Awaited<ReturnType<typeof logFollowUp>>) {
  const where = target.deal
    ? `商机 ${dealShortId(target.deal)}「${target.deal.title}」（${target.customer.name}）`
    : `客户 ${customerShortId(target.customer)} ${target.customer.name}`;
  const lines = [`已记录${FOLLOW_UP_LABELS[f.kind]}跟进 → ${where}`];
  if (f.nextStep) lines.push(`下一步：${f.nextStep}`);
  if (f.nextDueAt) lines.push(`下次跟进：${formatDate(f.nextDueAt, env.ctx.timeZone, env.ctx.now)}`);
  lines.push('记错了？发送 /撤销 可撤回这条记录。');
  return [text(lines.join('\n'))];
}

export const undoCommand: CommandSpec = {
  id: 'undo',
  names: ['撤销', 'undo'],
  usage: '/撤销',
  summary: '撤回你 24 小时内记录的最后一条跟进',
  examples: ['/撤销'],
  async run(env) {
    const f = await undoLastFollowUp(env.ctx);
    return [text(`已撤销跟进：「${f.summary.slice(0, 40)}」`)];
  },
};
