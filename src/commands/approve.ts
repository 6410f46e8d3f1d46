// /报价 (quote) requests approval; /批准 (approve) and /驳回 (reject) decide a step; /撤回 (withdraw) takes a
// pending request back.
import { APPROVER_ROLE_LABELS } from '../domain/approval-rules.js';
import { amountProblemText, formatFen, parseAmountToFen, parsePercent } from '../domain/money.js';
import { decideApproval, findApprovalId, withdrawApproval, type DecisionResult } from '../services/approvals.js';
import { shortId } from '../services/counters.js';
import { dealShortId } from '../services/deals.js';
import { requestQuoteApproval } from '../services/quotes.js';
import { type CommandEnv, type CommandSpec, UsageError, text } from './contract.js';
import { resolveDeal } from './resolve.js';

export const quoteCommand: CommandSpec = {
  id: 'quote',
  names: ['报价', 'quote'],
  usage: '/报价 <商机> <金额> [折扣%] [备注]   或用标注：金额: 折扣: 备注:（amount: discount: note:）',
  summary: '发起报价审批（按金额、折扣自动找财务/技术/总监/上级审批）',
  examples: ['/报价 D-17 6万 8% 老客户返单', '/quote D-17 60000 5', '/报价 D-17 金额:6万 折扣:9折'],
  async run(env, line) {
    const [ref, ...rest] = line.args;
    if (!ref) throw new UsageError('请写上商机和报价金额。');
    const amountText = line.options.amount ?? rest.shift();
    if (!amountText) throw new UsageError('请写上商机和报价金额。');
    const amount = parseAmountToFen(amountText);
    if (!amount.ok) throw new UsageError(amountProblemText('报价金额', amountText, amount.problem));
    let discountBp = 0;
    const discountText = line.options.discount ?? (rest[0] && DISCOUNT_SHAPE.test(rest[0].normalize('NFKC')) ? rest.shift() : undefined);
    if (discountText !== undefined) {
      const pct = parsePercent(discountText);
      if (!pct.ok || pct.basisPoints >= 10_000) {
        throw new UsageError(`折扣「${discountText}」不对：折扣必须在 0% 到 100% 之间（不含 100%），可以写 8%、8、9折。`);
      }
      discountBp = pct.basisPoints;
    }
    const note = [line.options.note, ...rest].filter(Boolean).join(' ');
    const dealFound = await resolveDeal(env, ref, (id) => `/报价 ${id} ${line.rest.slice(line.rest.indexOf(ref) + ref.length).trim()}`);
    if ('choice' in dealFound) return dealFound.choice;
    const deal = dealFound.found;
    const result = await requestQuoteApproval(env.ctx, deal, { amountFen: amount.fen, discountBp, note });
    if (!result.ok) {
      const roles = result.missingRoles.map((r) => APPROVER_ROLE_LABELS[r]).join('、');
      return [text(`暂时无法发起审批：系统里还没有「${roles}」审批人。已通知管理员补齐，补齐后请重新发送这条报价。`)];
    }
    const who = result.approvers.map((a) => `${APPROVER_ROLE_LABELS[a.role]} ${a.name}`).join('、');
    return [
      text(
        `已提交报价审批 ${result.approvalShortId}：${dealShortId(deal)}「${deal.title}」${formatFen(amount.fen)}` +
          (discountBp ? `，折扣 ${discountBp / 100}%` : '') +
          `\n审批人：${who}${result.approvers.length > 1 ? '（需全部同意）' : ''}。结果会第一时间通知你。`,
      ),
    ];
  },
};

/** A word shaped like a discount (`8%`, `-3%`, `8`, `9折`, `150%`): taken as the discount or refused, never a note. */
const DISCOUNT_SHAPE = /^[-−+]?\d+(\.\d+)?\s*[%折]?$/;

export function decisionReply(r: DecisionResult, decision: 'approved' | 'rejected'): string {
  const label = shortId('approval', r.approval.request.shortNo);
  if (r.outcome === 'pending') {
    const waiting = r.approval.steps.filter((s) => s.step.status === 'pending').map((s) => `${APPROVER_ROLE_LABELS[s.step.role]} ${s.approverName}`);
    return `已${decision === 'approved' ? '批准' : '驳回'} ${label}，还在等：${waiting.join('、')}。`;
  }
  // A rejection closes the request, so "审批已驳回" would only repeat it; an approval says whether it was the last one.
  const closed = decision === 'rejected' ? '' : r.outcome === 'approved' ? '审批已全部通过，' : '但审批已被驳回，';
  return `已${decision === 'approved' ? '批准' : '驳回'} ${label}，${closed}已通知 ${r.approval.repName}。`;
}

async function decide(env: CommandEnv, ref: string | undefined, decision: 'approved' | 'rejected', comment: string) {
  if (!ref) throw new UsageError('请写上审批号，例如 A-12。');
  const id = await findApprovalId(env.ctx, ref);
  const result = await decideApproval(env.ctx, id, decision, comment);
  return [text(decisionReply(result, decision))];
}

export const approveCommand: CommandSpec = {
  id: 'approve',
  names: ['批准', 'approve', '同意'],
  usage: '/批准 <审批号> [意见]',
  summary: '批准一个报价审批',
  examples: ['/批准 A-12', '/approve A-12 价格可以'],
  run: (env, line) => decide(env, line.args[0], 'approved', line.args.slice(1).join(' ')),
};

export const rejectCommand: CommandSpec = {
  id: 'reject',
  names: ['驳回', 'reject', '拒绝'],
  usage: '/驳回 <审批号> <原因>',
  summary: '驳回一个报价审批（必须写原因）',
  examples: ['/驳回 A-12 折扣太大，最多 5%'],
  async run(env, line) {
    if (line.args.length < 2) throw new UsageError('驳回需要写原因。');
    return decide(env, line.args[0], 'rejected', line.args.slice(1).join(' '));
  },
};

export const withdrawCommand: CommandSpec = {
  id: 'withdraw',
  names: ['撤回', 'withdraw'],
  usage: '/撤回 <审批号>',
  summary: '撤回自己发起、还在审批中的报价（改价前先撤回）',
  examples: ['/撤回 A-12', '/withdraw A-12'],
  async run(env, line) {
    const ref = line.args[0];
    if (!ref) throw new UsageError('请写上审批号，例如 A-12。');
    const a = await withdrawApproval(env.ctx, await findApprovalId(env.ctx, ref));
    const label = shortId('approval', a.request.shortNo);
    const deal = shortId('deal', a.deal.shortNo);
    return [
      text(`已撤回报价审批 ${label}（${deal}「${a.deal.title}」${formatFen(a.quote.amountFen)}），已通知审批人。\n重新报价：/报价 ${deal} <金额> [折扣%]`),
    ];
  },
};
