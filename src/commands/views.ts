// Read-only commands: /待办 (todo; a manager's includes the team), /团队 (team), /查看 (show: 360° view), /漏斗 (pipeline).
import { joinText, md, type Text } from '../../cards/markup.js';
import { formatDate, formatDay } from '../domain/dates.js';
import { dueLabel, isDue } from '../domain/due.js';
import { formatFen } from '../domain/money.js';
import type { Stage } from '../domain/stages.js';
import { ROLE_LABELS } from '../domain/roles.js';
import { pipelineRules } from '../services/tenant-settings.js';
import { customerView } from '../services/customer-view.js';
import { customerShortId } from '../services/customers.js';
import { dealShortId } from '../services/deals.js';
import { FOLLOW_UP_LABELS } from '../services/follow-ups.js';
import { FUNNEL_PERIOD_LABELS, funnelFor, type FunnelPeriod } from '../services/funnel.js';
import { conversionText, cycleText } from '../../cards/format.js';
import { myTodos } from '../services/todos.js';
import { teamOverview, teamTodos, type TeamTodos } from '../services/team-todos.js';
import { shortId } from '../services/counters.js';
import { type CommandSpec, UsageError, markdown } from './contract.js';
import { resolveDealOrCustomer } from './resolve.js';

const DAY_MS = 86_400_000;
const CUSTOMER_STATUS = { prospect: '潜在', active: '正式', dormant: '沉默' } as const;
const days = (from: Date, to: Date) => Math.max(0, Math.floor((to.getTime() - from.getTime()) / DAY_MS));

export const todoCommand: CommandSpec = {
  id: 'todo',
  names: ['待办', 'todo', 'todos'],
  usage: '/待办',
  summary: '我的待办：该跟进的商机（逾期在前）和等我审批的报价；经理另见团队待跟进（按人）、停滞商机、未联系的新线索和待确认的交接',
  examples: ['/待办'],
  async run(env) {
    const { labels } = await pipelineRules(env.ctx.db, env.ctx.actor.tenantId);
    const { ctx } = env;
    const endOfDay = new Date(ctx.now.getTime() + DAY_MS);
    const todos = await myTodos(ctx, endOfDay);
    const lines: Text[] = [];
    if (todos.approvals.length > 0) {
      lines.push(md`**等我审批（${todos.approvals.length}）**`);
      for (const a of todos.approvals) {
        lines.push(md`- ${shortId('approval', a.requestShortNo)} ${a.dealTitle} ${formatFen(a.amountFen)}${
          a.discountBp ? ` 折扣 ${a.discountBp / 100}%` : ''} → /批准 ${shortId('approval', a.requestShortNo)}`);
      }
    }
    if (todos.deals.length > 0) {
      lines.push(md`**该跟进的商机（${todos.deals.length}）**`);
      for (const d of todos.deals) {
        const when = dueLabel(d, d.due, ctx.now, ctx.timeZone);
        lines.push(md`- ${d.overdue ? '⚠️ 逾期 ' : ''}${shortId('deal', d.shortNo)} ${d.customerName} · ${d.title}（${labels[d.stage]}，${when}）`);
      }
    }
    const team = await teamTodos(ctx);
    if (team) lines.push(...teamTodoLines(team, labels, ctx.now, ctx.timeZone));
    if (lines.length === 0) return [markdown('暂无待办 👍 所有商机都在按计划推进。', '我的待办')];
    return [markdown(joinText(lines), '我的待办')];
  },
};

function teamTodoLines(t: TeamTodos, labels: Record<Stage, string>, now: Date, tz: string): Text[] {
  const lines: Text[] = [];
  if (t.dueByRep.length > 0) {
    const n = t.dueByRep.reduce((a, g) => a + g.deals.length, 0);
    lines.push(md`**团队待跟进（${n}）**`);
    for (const g of t.dueByRep) {
      lines.push(md`${g.ownerName}：`);
      for (const d of g.deals) {
        lines.push(md`- ${d.escalated ? '🔺 已升级 ' : ''}${shortId('deal', d.shortNo)} ${d.customerName} · ${d.title}（${labels[d.stage]}，${dueLabel(d, d.due, now, tz)}）`);
      }
    }
  }
  if (t.stagnant.length > 0) {
    lines.push(md`**停滞商机（${t.stagnant.length}）**`);
    for (const d of t.stagnant) lines.push(md`- ${shortId('deal', d.shortNo)} ${d.customerName} · ${d.title} 在「${labels[d.stage]}」已 ${d.days} 天（${d.ownerName}）`);
  }
  if (t.newLeads.length > 0) {
    lines.push(md`**新线索未联系（${t.newLeads.length}）**`);
    for (const d of t.newLeads) lines.push(md`- ${shortId('deal', d.shortNo)} ${d.customerName} · ${d.title}，${d.hours} 小时未联系（${d.ownerName}）`);
  }
  if (t.handovers.length > 0) {
    lines.push(md`**待确认的交接（${t.handovers.length}）**`);
    for (const h of t.handovers) lines.push(md`- ${h.fromName} → ${h.toName}，${formatDate(h.createdAt, tz, now)} 发起，等待 ${h.toName} 接收`);
  }
  return lines;
}

export const teamCommand: CommandSpec = {
  id: 'team',
  names: ['团队', 'team'],
  usage: '/团队',
  summary: '经理/总监：每位下属的在跟商机、金额、待跟进、本周跟进次数和最近跟进时间',
  examples: ['/团队', '/team'],
  async run(env) {
    const { ctx } = env;
    const rows = await teamOverview(ctx);
    if (!rows) return [markdown('/团队 只对有下属的经理和总监开放；你的商机请看 /待办 和 /漏斗。', '我的团队')];
    if (rows.length === 0) return [markdown('还没有下属。请管理员用 /设置 上级 <人> <你> 设置汇报关系。', '我的团队')];
    const lines = rows.map((r) =>
      md`- **${r.name}**：在跟 ${r.openDeals} 个 · ${formatFen(r.amountFen)} · 待跟进 ${r.due}${r.due > 0 ? ' ⚠️' : ''} · 本周跟进 ${r.followUpsThisWeek} 次 · 最近跟进 ${
        r.lastFollowUpAt ? formatDate(r.lastFollowUpAt, ctx.timeZone, ctx.now) : '暂无'}`);
    return [markdown(joinText(lines), `我的团队（${rows.length} 人）`)];
  },
};

export const showCommand: CommandSpec = {
  id: 'show',
  names: ['查看', 'show', 'view'],
  usage: '/查看 <客户或商机>',
  summary: '客户 360° 视图：状态、标签、联系人、商机、最近跟进、报价、最近改动',
  examples: ['/查看 华东五金', '/show D-17'],
  async run(env, line) {
    const { labels } = await pipelineRules(env.ctx.db, env.ctx.actor.tenantId);
    const ref = line.args.join(' ');
    if (!ref) throw new UsageError('请写上客户名或商机编号。');
    const resolved = await resolveDealOrCustomer(env, ref, (id) => `/查看 ${id}`);
    if ('choice' in resolved) return resolved.choice;
    const { customer, deal } = resolved.found;
    const tz = env.ctx.timeZone;
    const v = await customerView(env.ctx, customer, labels);
    const c = v.customer;
    const id = customerShortId(c);
    const lines: Text[] = [
      md`**${id} ${c.name}**（${CUSTOMER_STATUS[c.status]}客户${c.grade ? ` · ${c.grade} 级` : ''}） · 负责人 ${v.ownerName}`,
      [c.phone && `电话 ${c.phone}`, c.region && `地区 ${c.region}`, c.industry && `行业 ${c.industry}`, c.sourceChannel && `来源 ${c.sourceChannel}`]
        .filter(Boolean)
        .join(' · ') || '（暂无电话、地区、行业）',
      md`标签：${c.tags.length > 0 ? c.tags.join('、') : `（无，添加：/标签 ${id} +标签）`}`,
    ];
    if (c.ownerId === null) {
      const since = c.pooledAt ?? c.createdAt;
      lines.push(md`在公海 ${days(since, env.ctx.now)} 天（${formatDay(since, tz)} 起）。领取：/领取 ${id}`);
    }
    for (const t of v.tasks) lines.push(md`📅 ${t.title}：${formatDay(t.dueAt, tz)}${t.dueAt <= env.ctx.now ? '（已到期）' : ''}`);
    const contactText = (p: (typeof v.contacts)[number]) => {
      const details = [p.title, p.decisionRole, p.phone].filter(Boolean).join('，');
      return `${p.name}${details ? `（${details}）` : ''}`;
    };
    lines.push(md`联系人：${v.contacts.length > 0 ? v.contacts.map(contactText).join('、') : `（无，添加：/联系人 ${id} <姓名> [职务] [电话]）`}`);
    const dealsShown = deal ? [v.deals.find((d) => d.id === deal.id) ?? deal, ...v.deals.filter((d) => d.id !== deal.id)] : v.deals;
    lines.push(md`**商机（${dealsShown.length}）**`);
    for (const d of dealsShown) {
      const due = v.due.get(d.id);
      const dueText = due ? ` · ${isDue(due, env.ctx.now) ? '⚠️ ' : ''}${dueLabel(d, due, env.ctx.now, tz)}` : '';
      lines.push(md`- ${dealShortId(d)} ${d.title} · ${labels[d.stage]}${d.closedAt ? '' : ` ${days(d.stageEnteredAt, env.ctx.now)} 天`}${
        d.amountFen ? ` · ${formatFen(d.amountFen)}` : ''}${dueText}${d.lostReason ? md` · 原因：${d.lostReason}` : ''}${
        d.wonReason ? md` · 成交原因：${d.wonReason}` : ''}`);
    }
    lines.push(md`**最近跟进（${v.followUps.length}）**`);
    for (const f of v.followUps) {
      lines.push(md`- ${formatDate(f.createdAt, tz, env.ctx.now)} ${FOLLOW_UP_LABELS[f.kind]} ${f.authorName}：${f.summary}${f.nextStep ? md`（下一步：${f.nextStep}）` : ''}`);
    }
    if (v.quotes.length > 0) {
      lines.push(md`**报价**`);
      const status = { pending: '审批中', approved: '已批准', rejected: '已驳回', withdrawn: '已撤回' } as const;
      for (const q of v.quotes) lines.push(md`- ${shortId('quote', q.shortNo)} ${shortId('deal', q.dealShortNo)} ${formatFen(q.amountFen)} · ${status[q.status]}`);
    }
    if (v.changes.length > 0) {
      lines.push(md`**最近改动**`);
      for (const ch of v.changes) lines.push(md`- ${formatDate(ch.at, tz, env.ctx.now)} ${ch.actorName}：${ch.text}`);
    }
    return [markdown(joinText(lines), `${c.name}`)];
  },
};

const PERIOD_WORDS: Record<string, FunnelPeriod> = {
  本月: 'month', month: 'month', 本季: 'quarter', 本季度: 'quarter', quarter: 'quarter', 近90天: 'last90', '90天': 'last90', '90d': 'last90',
};

export const pipelineCommand: CommandSpec = {
  id: 'pipeline',
  names: ['漏斗', 'pipeline', 'funnel'],
  usage: '/漏斗 [我的] [本月|本季|近90天]',
  summary: '销售漏斗：各阶段商机数、金额、加权金额，阶段转化率和平均成交周期（经理看团队，总监看全部；与战报同一算法）',
  examples: ['/漏斗', '/漏斗 本季', '/pipeline mine month'],
  async run(env, line) {
    const { labels } = await pipelineRules(env.ctx.db, env.ctx.actor.tenantId);
    let mine = false;
    let period: FunnelPeriod = 'last90';
    for (const a of line.args) {
      if (['我的', 'mine', 'me'].includes(a)) mine = true;
      else if (PERIOD_WORDS[a.toLowerCase()]) period = PERIOD_WORDS[a.toLowerCase()]!;
      else throw new UsageError(`看不懂「${a}」：时间范围写 本月、本季 或 近90天。`);
    }
    const f = await funnelFor(env.ctx, mine ? 'mine' : 'visible', period);
    const scope = mine || env.ctx.actor.role === 'rep' ? '我的' : `${ROLE_LABELS[env.ctx.actor.role]}视角`;
    const total = f.pipeline.reduce((a, r) => ({ n: a.n + r.count, f: a.f + r.amountFen, w: a.w + r.weightedFen }), { n: 0, f: 0, w: 0 });
    const lines: Text[] = [md`**在手商机**`, ...f.pipeline.map((r) => md`- ${labels[r.stage]}：${r.count} 个 · ${formatFen(r.amountFen)} · 加权 ${formatFen(r.weightedFen)}`)];
    lines.push(md`- 合计：${total.n} 个 · ${formatFen(total.f)} · 加权 ${formatFen(total.w)}`);
    lines.push(md`**${FUNNEL_PERIOD_LABELS[period]}（${formatDay(f.since, env.ctx.timeZone)} 起）**`);
    lines.push(md`- 转化率：${f.conversion.map((c) => `${labels[c.from]}→${labels[c.to]} ${conversionText(c.rate)}`).join('，')}`);
    lines.push(md`- 平均成交周期：${cycleText(f.avgCycleDays)}${f.wonCount > 0 ? `（${f.wonCount} 单）` : ''}`);
    return [markdown(joinText(lines), `销售漏斗（${scope}）`)];
  },
};
