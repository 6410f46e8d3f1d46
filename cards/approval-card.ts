// The approval card: pending (with 批准 / 驳回) and resolved (buttons gone, who decided and when, or who withdrew
// it) from one builder.
import { encodeActionData } from './action-data.js';
import { shortTime, yuan } from './format.js';
import { joinText, md, ours } from './markup.js';
import type { Card } from './model.js';

export interface ApprovalStepView {
  roleLabel: string;
  approverName: string;
  /** The role's holder, when that was the requester and the step went to `approverName` instead. */
  reroutedFrom?: string;
  /** The step's earlier approver, who was deactivated (left, handed over) before deciding. */
  reassignedFrom?: string;
  status: 'pending' | 'approved' | 'rejected' | 'skipped';
  decidedAt?: Date;
  comment?: string;
}

export interface ApprovalCardInput {
  approvalId: string;
  customerName: string;
  dealId: string;
  dealTitle: string;
  amountFen: number;
  discountPercent: number;
  repName: string;
  note: string;
  status: 'pending' | 'approved' | 'rejected' | 'withdrawn';
  steps: ApprovalStepView[];
  timeZone: string;
  /** When the requester withdrew it (status withdrawn). */
  withdrawnAt?: Date;
}

const STEP_MARK = { pending: '⏳ 待审批', approved: '✅ 已批准', rejected: '❌ 已驳回', skipped: '— 无需审批' } as const;

export function buildApprovalCard(i: ApprovalCardInput): Card {
  const mark = (s: ApprovalStepView) => (i.status === 'withdrawn' && s.status === 'skipped' ? '— 已撤回' : STEP_MARK[s.status]);
  const steps = i.steps.map((s) => {
    const line = md`- ${`${s.roleLabel} ${s.approverName}：${mark(s)}${s.decidedAt ? ` ${shortTime(s.decidedAt, i.timeZone)}` : ''}${s.comment ? `（${s.comment}）` : ''}`}`;
    return joinText([
      line,
      s.reassignedFrom && md`  ${s.reassignedFrom} 已停用，本步改由 ${s.approverName} 审批`,
      s.reroutedFrom && md`  ${s.reroutedFrom} 是申请人，本步改由 ${s.approverName} 审批`,
    ]);
  });
  const base: Card = {
    kind: 'approval',
    title: `报价审批 ${i.approvalId}`,
    subtitle: `${i.customerName} · ${i.dealId} ${i.dealTitle}`,
    state: i.status === 'pending' ? 'pending' : i.status === 'approved' ? 'success' : i.status === 'withdrawn' ? 'neutral' : 'danger',
    fields: [
      { label: '客户', value: i.customerName },
      { label: '商机', value: `${i.dealId} ${i.dealTitle}` },
      { label: '金额', value: yuan(i.amountFen) },
      { label: '折扣', value: i.discountPercent ? `${i.discountPercent}%` : '无' },
      { label: '申请人', value: i.repName },
    ],
    body: joinText([i.note && md`**备注**：${i.note}`, ours('**审批进度**'), ...steps]),
    buttons: [],
  };
  if (i.status === 'pending') {
    base.buttons = [
      { action: 'approve', label: '批准', style: 'primary', data: encodeActionData({ a: 'approve', id: i.approvalId }), command: `/批准 ${i.approvalId}` },
      { action: 'reject', label: '驳回', style: 'danger', data: encodeActionData({ a: 'reject', id: i.approvalId }), command: `/驳回 ${i.approvalId} ` },
    ];
    return base;
  }
  if (i.status === 'withdrawn') {
    base.footer = `已撤回 · ${i.repName}${i.withdrawnAt ? ` ${shortTime(i.withdrawnAt, i.timeZone)}` : ''}，无需再审批`;
    return base;
  }
  const decided = i.steps.filter((s) => s.status === 'approved' || s.status === 'rejected');
  base.footer =
    (i.status === 'approved' ? '已批准 · ' : '已驳回 · ') +
    decided.map((s) => `${s.roleLabel} ${s.approverName} ${s.decidedAt ? shortTime(s.decidedAt, i.timeZone) : ''}${s.status === 'rejected' && s.comment ? `：${s.comment}` : ''}`.trim()).join('；');
  return base;
}
