// The latest changes to a customer and its deals, read back from the audit log and worded for /查看.
import { and, desc, eq, or, sql } from 'drizzle-orm';
import { auditLog, deals, users } from '../db/schema/index.js';
import { formatFen } from '../domain/money.js';
import type { Stage, StageLabels } from '../domain/stages.js';
import type { Ctx } from './context.js';
import { shortId } from './counters.js';
import { FIELD_LABELS, type CustomerChange } from './customer-edits.js';

export interface ChangeLine {
  at: Date;
  actorName: string;
  text: string;
}

type Values = Record<string, unknown>;

export async function recentChanges(ctx: Ctx, customerId: string, labels: StageLabels, limit = 3): Promise<ChangeLine[]> {
  const rows = await ctx.db
    .select({ entry: auditLog, actorName: users.name, dealShortNo: deals.shortNo })
    .from(auditLog)
    .leftJoin(users, eq(users.id, auditLog.actorId))
    .leftJoin(deals, and(eq(auditLog.entityType, 'deal'), sql`${deals.id}::text = ${auditLog.entityId}`))
    .where(
      and(
        eq(auditLog.tenantId, ctx.actor.tenantId),
        or(
          and(eq(auditLog.entityType, 'customer'), eq(auditLog.entityId, customerId)),
          and(
            eq(auditLog.entityType, 'deal'),
            sql`${auditLog.entityId} in (select id::text from ${deals} where ${deals.customerId} = ${customerId})`,
          ),
        ),
      ),
    )
    .orderBy(desc(auditLog.id))
    .limit(limit);
  return rows.map((r) => ({
    at: r.entry.createdAt,
    actorName: r.actorName ?? '系统',
    text: describe(r.entry.action, (r.entry.before ?? {}) as Values, (r.entry.after ?? {}) as Values, labels, r.dealShortNo),
  }));
}

const show = (v: unknown) => (v === null || v === undefined || v === '' ? '（空）' : String(v));
const money = (v: unknown) => (typeof v === 'number' ? formatFen(v) : '（空）');
const list = (v: unknown) => (Array.isArray(v) && v.length > 0 ? v.join('、') : '（无）');

function describe(action: string, before: Values, after: Values, labels: StageLabels, dealNo: number | null): string {
  const deal = dealNo === null ? '商机' : shortId('deal', dealNo);
  const stage = (v: unknown) => labels[v as Stage] ?? show(v);
  const why = after.reason ? `（原因：${String(after.reason)}）` : '';
  const amount = 'amountFen' in after ? `，金额 ${money(before.amountFen)} → ${money(after.amountFen)}` : '';
  switch (action) {
    case 'customer.create':
      return '创建客户';
    case 'customer.update':
      return Object.keys(after)
        .map((k) => `${FIELD_LABELS[k as keyof CustomerChange] ?? k} ${show(before[k])} → ${show(after[k])}`)
        .join('，');
    case 'customer.tags':
      return `标签 ${list(before.tags)} → ${list(after.tags)}`;
    case 'customer.contact.add':
      return `添加联系人 ${show(after.contact)}`;
    case 'customer.contact.update':
      return `更新联系人 ${show(after.contact)}`;
    case 'customer.contact.remove':
      return `删除联系人 ${show(before.contact)}`;
    case 'deal.open':
      return `新建商机 ${deal}`;
    case 'deal.stage':
      return `${deal} 阶段 ${stage(before.stage)} → ${stage(after.stage)}${amount}${why}`;
    case 'deal.lost':
      return `${deal} ${labels.lost}（原因：${show(after.lostReason)}）`;
    case 'deal.reopen':
      return `${deal} 重开：${stage(before.stage)} → ${stage(after.stage)}${why}`;
    case 'deal.update':
      return [
        'title' in after ? `${deal} 标题 ${show(before.title)} → ${show(after.title)}` : '',
        'amountFen' in after ? `${deal} 金额 ${money(before.amountFen)} → ${money(after.amountFen)}` : '',
      ]
        .filter(Boolean)
        .join('，');
    case 'nudge.snooze':
      return `${deal} 推迟提醒`;
    default:
      return action;
  }
}
