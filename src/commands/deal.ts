// /新商机 (deal), /推进 (stage), /输单 (lost), /重开 (reopen): open deals and move them through the pipeline.
import { amountProblemText, formatFen, parseAmountToFen } from '../domain/money.js';
import { PIPELINE, parseStage } from '../domain/stages.js';
import { customerShortId } from '../services/customers.js';
import { formatDay } from '../domain/dates.js';
import { advanceStage, closeLost, dealShortId, isBackward, openDeal, recordWonReason, reopenDeal, type WonAmount } from '../services/deals.js';
import { pipelineRules } from '../services/tenant-settings.js';
import { type CommandSpec, UsageError, text } from './contract.js';
import { offerChoice, resolveCustomer, resolveDeal } from './resolve.js';

export const dealCommand: CommandSpec = {
  id: 'deal',
  names: ['新商机', 'deal', '商机'],
  usage: '/新商机 <客户> <标题> [金额]   或用标注：标题: 金额:（title: amount:）',
  summary: '在客户下新建商机（从「线索」阶段开始）',
  examples: ['/新商机 华东五金 不锈钢球阀 5万', '/deal C-3 "pump retrofit" 120000', '/新商机 C-3 标题:DN50 球阀 2000 套 金额:12万'],
  async run(env, line) {
    const [ref, ...rest] = line.args;
    if (!ref) throw new UsageError('请写上客户和商机标题。');
    const { title, amountFen } = splitDealArgs(rest, line.options);
    const customerFound = await resolveCustomer(env, ref, (id) => `/新商机 ${id} ${line.rest.slice(line.rest.indexOf(ref) + ref.length).trim()}`);
    if ('choice' in customerFound) return customerFound.choice;
    const customer = customerFound.found;
    const deal = await openDeal(env.ctx, customer, { title, ...(amountFen !== undefined ? { amountFen } : {}) });
    return [
      text(
        `已创建商机 ${dealShortId(deal)}「${deal.title}」· 客户 ${customerShortId(customer)} ${customer.name}` +
          (deal.amountFen ? ` · 金额 ${formatFen(deal.amountFen)}` : '') +
          `\n阶段：线索。记录跟进：/跟进 ${dealShortId(deal)} <内容> 下一步:<…>`,
      ),
    ];
  },
};

/** Reasons offered when a move back is asked without one; picking one confirms the move. */
const BACK_REASONS = ['客户重新评估', '需求变更', '预算推迟', '阶段选错了'];

/** 成交原因 offered after a win; picking one records it. */
const WIN_REASONS = ['价格有优势', '技术方案/质量更好', '交期更快', '服务和关系', '老客户复购'];

/** `原因:…` / `reason:…` anywhere after the stage, or else the words after it. */
function reasonOf(rest: string, extraArgs: string[]): string | undefined {
  const m = /(?:^|\s)(?:原因|reason)\s*[:：]\s*([\s\S]*)$/i.exec(rest);
  const reason = (m ? m[1]! : extraArgs.join(' ')).trim();
  return reason || undefined;
}

export const stageCommand: CommandSpec = {
  id: 'stage',
  names: ['推进', 'stage', 'advance'],
  usage: '/推进 <商机> <阶段> [原因:…]   阶段：线索 初访 方案 报价 签约（退回更早的阶段要写原因）',
  summary: '推进商机阶段（会检查每个阶段的完成条件；退回要确认并写原因）',
  examples: ['/推进 D-17 方案', '/stage D-17 proposal', '/推进 D-17 线索 原因:客户重新评估'],
  async run(env, line) {
    const [ref, stageText, ...extra] = line.args;
    if (!ref || !stageText) throw new UsageError('请写上商机和目标阶段。');
    // The tenant may have renamed stages: accept its labels as well as the default ones and English keys.
    const { labels: configured } = await pipelineRules(env.ctx.db, env.ctx.actor.tenantId);
    const to = parseStage(stageText, configured);
    if (!to) throw new UsageError(`不认识阶段「${stageText}」。可选：${PIPELINE.map((s) => configured[s]).join('、')}（${configured.lost}请用 /输单）。`);
    const dealFound = await resolveDeal(env, ref, (id) => `/推进 ${id} ${line.args.slice(1).join(' ')}`);
    if ('choice' in dealFound) return dealFound.choice;
    const deal = dealFound.found;
    const reason = reasonOf(line.rest, extra);
    if (deal.stage === 'won' && to === 'won' && reason) {
      // The answer to the win's question (WIN_REASONS below): records the 成交原因 of a deal already won.
      const { deal: updated, changed } = await recordWonReason(env.ctx, deal, reason);
      return [text(`${dealShortId(updated)}「${updated.title}」成交原因${changed ? '已记录' : '已经是'}：${updated.wonReason}`)];
    }
    if (isBackward(deal.stage, to) && !reason) {
      // A move back is confirmed by choosing (or typing) its reason.
      const id = dealShortId(deal);
      return offerChoice(
        env,
        `要把 ${id}「${deal.title}」从「${configured[deal.stage]}」退回「${configured[to]}」吗？请选择原因确认；` +
          `其他原因请发送：/推进 ${id} ${configured[to]} 原因:<…>。不退回就忽略这条消息。`,
        BACK_REASONS.map((r) => ({ label: r, command: `/推进 ${id} ${configured[to]} 原因:${r}` })),
      );
    }
    const { deal: updated, from, labels, wonAmount, visitAt } = await advanceStage(env.ctx, deal, to, reason ? { reason } : {});
    const lines = [`${dealShortId(updated)}「${updated.title}」：${labels[from]} → ${labels[to]}`];
    if (isBackward(from, to)) lines.push(`原因：${reason}`);
    if (wonAmount) lines.push(wonAmountLine(wonAmount));
    if (to !== 'won') return [text(lines.join('\n'))];
    lines.push(`🎉 恭喜${labels.won}！客户已转为正式客户${visitAt ? `，${formatDay(visitAt, env.ctx.timeZone)} 会提醒你回访` : ''}。`);
    if (reason) {
      lines.push(`成交原因：${reason}`);
      return [text(lines.join('\n'))];
    }
    // Asked as /输单 asks for the loss reason, but after the fact: the win (and its amount) is recorded either way.
    const id = dealShortId(updated);
    return [
      text(lines.join('\n')),
      ...(await offerChoice(
        env,
        `${id} 的成交原因是什么？请回复序号选择，或发送：/推进 ${id} ${labels.won} 原因:<…>`,
        WIN_REASONS.map((r) => ({ label: r, command: `/推进 ${id} ${labels.won} 原因:${r}` })),
      )),
    ];
  },
};

function wonAmountLine(w: WonAmount): string {
  if (w.previousFen === null) return `成交金额按已批准报价 ${w.approvalShortId} 计：${formatFen(w.amountFen)}`;
  if (w.previousFen === w.amountFen) return `成交金额：${formatFen(w.amountFen)}（与已批准报价 ${w.approvalShortId} 一致）`;
  return `成交金额按已批准报价 ${w.approvalShortId} 计：${formatFen(w.amountFen)}（原商机金额 ${formatFen(w.previousFen)}）`;
}

export const reopenCommand: CommandSpec = {
  id: 'reopen',
  names: ['重开', 'reopen'],
  usage: '/重开 <商机> <原因>',
  summary: '重新打开输单的商机（回到输单前的阶段，必须写原因）',
  examples: ['/重开 D-3 客户重新询价', '/reopen D-3 competitor failed delivery'],
  async run(env, line) {
    const [ref, ...reasonParts] = line.args;
    if (!ref) throw new UsageError('请写上商机。');
    if (reasonParts.length === 0) throw new UsageError('重开必须写原因。');
    const dealFound = await resolveDeal(env, ref, (id) => `/重开 ${id} ${reasonParts.join(' ')}`);
    if ('choice' in dealFound) return dealFound.choice;
    const deal = dealFound.found;
    const { deal: updated, labels } = await reopenDeal(env.ctx, deal, reasonParts.join(' '));
    return [
      text(
        `${dealShortId(updated)}「${updated.title}」已重开，回到「${labels[updated.stage]}」阶段。原因：${reasonParts.join(' ')}\n` +
          `记录跟进：/跟进 ${dealShortId(updated)} <内容> 下一步:<…>`,
      ),
    ];
  },
};

export const lostCommand: CommandSpec = {
  id: 'lost',
  names: ['输单', 'lost', '丢单'],
  usage: '/输单 <商机> <原因>',
  summary: '把商机标记为输单（必须写原因）',
  examples: ['/输单 D-17 价格高于竞品 15%'],
  async run(env, line) {
    const [ref, ...reasonParts] = line.args;
    if (!ref) throw new UsageError('请写上商机。');
    if (reasonParts.length === 0) throw new UsageError('输单必须写原因，方便复盘。');
    const dealFound = await resolveDeal(env, ref, (id) => `/输单 ${id} ${reasonParts.join(' ')}`);
    if ('choice' in dealFound) return dealFound.choice;
    const deal = dealFound.found;
    const updated = await closeLost(env.ctx, deal, reasonParts.join(' '));
    return [text(`${dealShortId(updated)}「${updated.title}」已标记为输单。原因：${updated.lostReason}`)];
  },
};

/** A token shaped like an amount (digits with an optional sign, ¥ and unit): taken as one, or refused with why. */
const AMOUNT_SHAPE = /^[-−]?[¥￥]?[-−]?\s*[\d,]*\.?\d+\s*(元|块|k|千|w|万|亿)?$/i;

/**
 * `<title words…> [amount]` or `标题:` / `金额:`. The last word is the amount only when it is shaped like one;
 * a negative, zero or absurd amount is refused with the reason instead of becoming part of the title.
 */
export function splitDealArgs(words: string[], options: Record<string, string>): { title: string; amountFen?: number } {
  const rest = [...words];
  let amountText = options.amount;
  if (amountText === undefined && rest.length > 0 && AMOUNT_SHAPE.test(rest[rest.length - 1]!.normalize('NFKC'))) {
    if (rest.length === 1 && options.title === undefined) throw new UsageError('请在金额前写上商机标题。');
    amountText = rest.pop()!;
  }
  let amountFen: number | undefined;
  if (amountText !== undefined) {
    const amount = parseAmountToFen(amountText);
    if (!amount.ok) throw new UsageError(amountProblemText('商机金额', amountText, amount.problem));
    amountFen = amount.fen;
  }
  if (options.title !== undefined && rest.length > 0) {
    throw new UsageError(`标题已经用「标题:」写了，多出来的「${rest.join(' ')}」不知道放在哪里。请把它写进标题里。`);
  }
  const title = (options.title ?? rest.join(' ')).trim();
  if (!title) throw new UsageError('请写上商机标题。');
  return { title, ...(amountFen !== undefined ? { amountFen } : {}) };
}
