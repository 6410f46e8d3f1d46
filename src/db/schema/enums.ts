// Postgres enums named after the domain terms. Values are English and come from their owners in src/domain (roles,
// stages); the Chinese labels live beside them (ROLE_LABELS, STAGE_LABELS; tenants rename stages in settings).
import { pgEnum } from 'drizzle-orm/pg-core';
import { ROLES } from '../../domain/roles.js';
import { STAGES } from '../../domain/stages.js';

export const platform = pgEnum('platform', ['wecom', 'dingtalk', 'feishu', 'console']);
export const userRole = pgEnum('user_role', ROLES);
export const customerGrade = pgEnum('customer_grade', ['A', 'B', 'C']);
/** 潜在 prospect → 正式 active (first won deal) → 沉默 dormant. */
export const customerStatus = pgEnum('customer_status', ['prospect', 'active', 'dormant']);
/** 线索 → 初访 → 方案 → 报价 → 签约 / 输单. */
export const dealStage = pgEnum('deal_stage', STAGES);
/** 拜访 / 电话 / 微信 / 邮件 / 样品 / 其他. */
export const followUpKind = pgEnum('follow_up_kind', ['visit', 'call', 'wechat', 'email', 'sample', 'other']);
export const quoteStatus = pgEnum('quote_status', ['pending', 'approved', 'rejected', 'withdrawn']);
export const approvalStatus = pgEnum('approval_status', ['pending', 'approved', 'rejected', 'cancelled']);
export const approvalStepStatus = pgEnum('approval_step_status', ['pending', 'approved', 'rejected', 'skipped']);
export const approverRole = pgEnum('approver_role', ['finance', 'tech', 'director', 'manager']);
export const nudgeKind = pgEnum('nudge_kind', [
  'overdue',
  'new_lead',
  'stagnant',
  'silent_quote',
  'approval_reminder',
  /** Golden response (黄金响应): a newly assigned lead untouched after N working minutes → its owner. */
  'golden_response',
  /** The pool takes an idle customer back in 3 days → its owner. */
  'recycle_warning',
  /** A 正式 customer silent for N days → 沉默客户挽回 to its owner. */
  'win_back',
]);
/** 回访 after a win; 挽回 kept for a lost-then-silent customer later. */
export const taskKind = pgEnum('task_kind', ['after_sales_visit']);
export const outboxStatus = pgEnum('outbox_status', ['pending', 'sending', 'sent', 'dead']);
export const handoverStatus = pgEnum('handover_status', ['pending', 'confirmed', 'cancelled']);
