// The personal morning message: deals due today or overdue, and approvals waiting; nothing when nothing is due,
// and nothing after noon (a list missed by a restart is sent without the greeting until then).
import type { OutboundMessage } from '../adapter.js';
import { joinText, md, type Text } from '../../cards/markup.js';
import type { DbOrTx } from '../db/client.js';
import { formatFen } from '../domain/money.js';
import { wallClock } from '../domain/dates.js';
import { dueLabel } from '../domain/due.js';
import { shortId } from './counters.js';
import type { TenantRules } from './tenant-settings.js';
import { myTodos } from './todos.js';
import { toActor, type User } from './users.js';

/** The greeting belongs to the digest hour itself; later (a restart, a late tick) the list goes out plain. */
export const MORNING_GREETING_HOURS = 1;
/** After noon the morning list is stale: skipped, not sent late. */
export const MORNING_LAST_HOUR = 12;

export async function morningTodoMessage(db: DbOrTx, user: User, tenant: TenantRules, now: Date): Promise<OutboundMessage | undefined> {
  const hour = wallClock(now, tenant.timeZone).hour;
  if (hour >= MORNING_LAST_HOUR) return undefined;
  const todos = await myTodos({ db, actor: toActor(user), now, timeZone: tenant.timeZone }, new Date(now.getTime() + 86_400_000));
  if (todos.deals.length === 0 && todos.approvals.length === 0) return undefined;
  const greet = hour < tenant.settings.digest.hour + MORNING_GREETING_HOURS;
  const lines: Text[] = [greet ? md`早上好 ${user.name}，今天的待办：` : md`${user.name}，今天的待办：`];
  for (const d of todos.deals.slice(0, 10)) {
    lines.push(md`- ${d.overdue ? '⚠️ ' : ''}${shortId('deal', d.shortNo)} ${d.customerName} · ${d.title}（${tenant.settings.pipeline.labels[d.stage]}，${dueLabel(d, d.due, now, tenant.timeZone)}）`);
  }
  for (const a of todos.approvals.slice(0, 10)) {
    lines.push(md`- 审批 ${shortId('approval', a.requestShortNo)} ${a.dealTitle} ${formatFen(a.amountFen)} → /批准 ${shortId('approval', a.requestShortNo)}`);
  }
  lines.push(md`不想收到早报？发送 /设置 早报 关`);
  return { type: 'markdown', title: '今日待办', text: joinText(lines) };
}
