// Cards for the renderer tests: realistic samples of every kind (pinned by snapshots in render.test.ts), the same kinds
// with one string in every slot user text can reach (the hostile corpus goes there), and oversize cards.
import { encodeActionData } from '../../cards/action-data.js';
import { buildApprovalCard } from '../../cards/approval-card.js';
import { buildChoiceCard } from '../../cards/choice-card.js';
import { buildDigestCard } from '../../cards/digest-card.js';
import { buildHandoverCard } from '../../cards/handover-card.js';
import { joinText, md, type Text } from '../../cards/markup.js';
import type { Card } from '../../cards/model.js';
import { buildNudgeCard } from '../../cards/nudge-card.js';

export const at = new Date('2026-11-25T02:32:00Z');
const tz = 'Asia/Shanghai';
const approval = (status: 'pending' | 'approved' | 'rejected') =>
  buildApprovalCard({
    approvalId: 'A-12', customerName: '宁波永固阀门有限公司', dealId: 'D-17', dealTitle: 'DN50 球阀年度框架', amountFen: 8_600_000, discountPercent: 6,
    repName: '张三', note: '年度框架 <含运费>', status, timeZone: 'Asia/Shanghai',
    steps: [
      { roleLabel: '财务', approverName: '李四', status: status === 'pending' ? 'pending' : 'approved', ...(status === 'pending' ? {} : { decidedAt: at }) },
      { roleLabel: '技术', approverName: '王五', status: status === 'rejected' ? 'rejected' : status === 'approved' ? 'approved' : 'pending', ...(status === 'pending' ? {} : { decidedAt: at }), ...(status === 'rejected' ? { comment: '交期不够' } : {}) },
    ],
  });
export const digest = (owners: number) =>
  buildDigestCard({
    teamName: '华东销售一组', date: '11-25',
    pipeline: ['线索', '初访', '方案', '报价'].map((stage, i) => ({ stage, count: 10 - i, amountFen: (i + 1) * 1_234_500 })),
    moved: { newDeals: 3, stageChanges: 5, won: 1, lost: 1, wonFen: 5_000_000 },
    overdue: Array.from({ length: owners }, (_, i) => ({ owner: `销售${i + 1}号`, count: (i % 5) + 1 })),
    approvalsWaiting: 2,
    conversion: [{ from: '线索', to: '初访', rate: 0.5 }, { from: '报价', to: '签约', rate: null }],
    avgCycleDays: 34,
    trend: ['11-18', '11-19', '11-20', '11-21', '11-22', '11-23', '11-24'].map((d, i) => ({ date: `2026-${d}`, newDeals: i, followUps: 2 * i, won: i % 2 })),
    dashboard: { label: '打开销售看板，查看详情', url: 'https://crm.example.cn/app/auth/feishu' },
  });

export const samples: Record<string, Card> = {
  'approval pending': approval('pending'),
  'approval approved': approval('approved'),
  'approval rejected': approval('rejected'),
  'approval withdrawn': buildApprovalCard({
    approvalId: 'A-13', customerName: '宁波永固阀门有限公司', dealId: 'D-17', dealTitle: 'DN50 球阀年度框架', amountFen: 8_600_000, discountPercent: 0,
    repName: '张三', note: '', status: 'withdrawn', withdrawnAt: at, timeZone: 'Asia/Shanghai',
    steps: [
      { roleLabel: '财务', approverName: '李四', status: 'approved', decidedAt: at },
      { roleLabel: '技术', approverName: '王五', status: 'skipped' },
    ],
  }),
  nudge: buildNudgeCard({ dealId: 'D-17', title: 'DN50 球阀', customerName: '永固阀门', ownerName: '张三', hoursSilent: 50, lastFollowUp: '电话沟通了规格' }),
  escalation: buildNudgeCard({ dealId: 'D-17', title: 'DN50 球阀', customerName: '永固阀门', ownerName: '张三', hoursSilent: 80, escalation: true }),
  digest: digest(8),
  choice: buildChoiceCard({ question: '有 9 个客户叫「永固」，你指的是：', options: Array.from({ length: 9 }, (_, i) => ({ label: `永固${i + 1}厂`, command: `/客户 C-${i + 1}` })) }),
};

/** Kinds the snapshots do not pin: a handover (pending and confirmed) and a notice (a markdown message as a card). */
export const moreSamples: Record<string, Card> = {
  'handover pending': buildHandoverCard({ handoverId: 'h1', handoverNo: 'H-1', fromName: '赵六', toName: '张三', createdByName: '李经理', customerCount: 12, openDealCount: 4, status: 'pending', createdAt: at, timeZone: 'Asia/Shanghai' }),
  'handover confirmed': buildHandoverCard({ handoverId: 'h1', handoverNo: 'H-1', fromName: '赵六', toName: '张三', createdByName: '李经理', customerCount: 12, openDealCount: 4, status: 'confirmed', createdAt: at, confirmedAt: at, timeZone: 'Asia/Shanghai' }),
  notice: { kind: 'notice', title: '今日待办', state: 'info', fields: [], body: md`**${'D-3'} 球阀** · 明天跟进`, buttons: [] },
};

/** Cards past every platform's limits: a giant digest, and text far longer than any slot. */
const long = (s: string, n: number) => Array.from(s.repeat(n)).slice(0, n).join('');
export const oversize: Record<string, Card> = {
  'digest of 5000 owners': digest(5000),
  'every slot too long': {
    kind: 'notice', title: long('超长的😀标题', 300), subtitle: long('超长副标题', 300), state: 'warning',
    fields: Array.from({ length: 12 }, (_, i) => ({ label: long(`字段${i}`, 40), value: long('很长的值🔩', 2000) })),
    body: long('正文𠀀', 40_000),
    buttons: Array.from({ length: 12 }, (_, i) => ({ action: 'show', label: long(`按钮${i}`, 40), style: 'default' as const, data: encodeActionData({ a: 'show', id: `D-${i + 1}` }), command: `/查看 D-${i + 1}` })),
    footer: long('页脚😀', 500),
  },
};

/** Every card kind with `u` in every slot user text can reach. */
export const kinds: Record<string, (u: string) => Card> = {
  'approval pending': (u) => approvalWith(u, 'pending'),
  'approval rejected': (u) => approvalWith(u, 'rejected'),
  nudge: (u) => buildNudgeCard({ dealId: 'D-3', title: u, customerName: u, ownerName: u, hoursSilent: 50, lastFollowUp: u }),
  escalation: (u) => buildNudgeCard({ dealId: 'D-3', title: u, customerName: u, ownerName: u, hoursSilent: 50, escalation: true }),
  digest: (u) =>
    buildDigestCard({
      teamName: u, date: '11-25', pipeline: [{ stage: u, count: 1, amountFen: 100 }],
      moved: { newDeals: 1, stageChanges: 0, won: 0, lost: 0, wonFen: 0 }, overdue: [{ owner: u, count: 1 }],
      approvalsWaiting: 0, conversion: [{ from: u, to: u, rate: 0.5 }], avgCycleDays: 3,
      trend: [{ date: '2026-11-24', newDeals: 1, followUps: 2, won: 0 }],
      dashboard: { label: '打开销售看板', url: 'https://crm.example.cn/app/auth/feishu' },
    }),
  choice: (u) => buildChoiceCard({ question: u, options: [{ label: u, command: '/查看 C-1' }, { label: u, command: '/查看 C-2' }] }),
  handover: (u) =>
    buildHandoverCard({ handoverId: 'h1', handoverNo: 'H-1', fromName: u, toName: u, createdByName: u, customerCount: 1, openDealCount: 1, status: 'pending', createdAt: at, timeZone: tz }),
};

function approvalWith(u: string, status: 'pending' | 'rejected'): Card {
  return buildApprovalCard({
    approvalId: 'A-12', customerName: u, dealId: 'D-17', dealTitle: u, amountFen: 100, discountPercent: 5, repName: u, note: u, status, timeZone: tz,
    steps: [{ roleLabel: '经理', approverName: u, status: status === 'pending' ? 'pending' : 'rejected', ...(status === 'pending' ? {} : { decidedAt: at, comment: u }) }],
  });
}

/** Markdown messages built in services and commands (morning to-do, /待办, /查看): same shapes as theirs. */
export const messages: Record<string, (u: string) => Text> = {
  'morning todo': (u) => joinText([md`早上好 ${u}，今天的待办：`, md`- ${'D-3'} ${u} · ${u}（${'报价'}）`, md`不想收到早报？发送 /设置 早报 关`]),
  'customer view': (u) => joinText([md`**${'C-1'} ${u}** · 负责人 ${u}`, md`**商机（1）**`, md`- D-1 ${u} · 报价`, md`- 11-25 电话 ${u}：${u}${md`（下一步：${u}）`}`]),
  'plain string': (u) => u,
};

