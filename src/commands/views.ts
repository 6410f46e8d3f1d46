// Read-only commands: /待办 (todo), /查看 (show: 360° view), /漏斗 (pipeline).
import { joinText, md, type Text } from '../../cards/markup.js';
import { formatDate } from '../domain/dates.js';
import { formatFen } from '../domain/money.js';
import { ROLE_LABELS } from '../domain/roles.js';
import { pipelineRules } from '../services/tenant-settings.js';
import { customerView } from '../services/customer-view.js';
import { customerShortId } from '../services/customers.js';
import { dealShortId } from '../services/deals.js';
import { FOLLOW_UP_LABELS } from '../services/follow-ups.js';
import { pipelineByStage } from '../services/pipeline.js';
import { myTodos } from '../services/todos.js';
import { shortId } from '../services/counters.js';
import { type CommandSpec, UsageError, markdown } from './registry.js';
import { resolveDealOrCustomer } from './resolve.js';

const DAY_MS = 86_400_000;
const days = (from: Date, to: Date) => Math.max(0, Math.floor((to.getTime() - from.getTime()) / DAY_MS));

export const todoCommand: CommandSpec = {
  id: 'todo',
  names: ['待办', 'todo', 'todos'],
  usage: '/待办',
  summary: '我的待办：该跟进的商机（逾期在前）和等我审批的报价',
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
        const when = d.nextDueAt ? `约定 ${formatDate(d.nextDueAt, ctx.timeZone)}` : `${days(d.lastActivityAt, ctx.now)} 天没跟进`;
        lines.push(md`- ${d.overdue ? '⚠️ 逾期 ' : ''}${shortId('deal', d.shortNo)} ${d.customerName} · ${d.title}（${labels[d.stage]}，${when}）`);
      }
    }
    if (lines.length === 0) return [markdown('暂无待办 👍 所有商机都在按计划推进。', '我的待办')];
    return [markdown(joinText(lines), '我的待办')];
  },
};

export const showCommand: CommandSpec = {
  id: 'show',
  names: ['查看', 'show', 'view'],
  usage: '/查看 <客户或商机>',
  summary: '客户 360° 视图：联系人、商机、最近跟进、报价',
  examples: ['/查看 华东五金', '/show D-17'],
  async run(env, line) {
    const { labels } = await pipelineRules(env.ctx.db, env.ctx.actor.tenantId);
    const ref = line.args.join(' ');
    if (!ref) throw new UsageError('请写上客户名或商机编号。');
    const { customer, deal } = await resolveDealOrCustomer(env, ref, (id) => `/查看 ${id}`);
    const tz = env.ctx.timeZone;
    const v = await customerView(env.ctx, customer);
    const c = v.customer;
    const lines: Text[] = [
      md`**${customerShortId(c)} ${c.name}**${c.grade ? `（${c.grade} 级）` : ''} · 负责人 ${v.ownerName}`,
      [c.phone && `电话 ${c.phone}`, c.region && `地区 ${c.region}`, c.industry && `行业 ${c.industry}`].filter(Boolean).join(' · ') || '（暂无电话、地区、行业）',
    ];
    if (v.contacts.length > 0) lines.push(md`联系人：${v.contacts.map((p) => `${p.name}${p.title ? `(${p.title})` : ''}`).join('、')}`);
    const dealsShown = deal ? [v.deals.find((d) => d.id === deal.id) ?? deal, ...v.deals.filter((d) => d.id !== deal.id)] : v.deals;
    lines.push(md`**商机（${dealsShown.length}）**`);
    for (const d of dealsShown) {
      lines.push(md`- ${dealShortId(d)} ${d.title} · ${labels[d.stage]}${d.closedAt ? '' : ` ${days(d.stageEnteredAt, env.ctx.now)} 天`}${
        d.amountFen ? ` · ${formatFen(d.amountFen)}` : ''}${d.lostReason ? md` · 原因：${d.lostReason}` : ''}`);
    }
    lines.push(md`**最近跟进（${v.followUps.length}）**`);
    for (const f of v.followUps) {
      lines.push(md`- ${formatDate(f.createdAt, tz)} ${FOLLOW_UP_LABELS[f.kind]} ${f.authorName}：${f.summary}${f.nextStep ? md`（下一步：${f.nextStep}）` : ''}`);
    }
    if (v.quotes.length > 0) {
      lines.push(md`**报价**`);
      const status = { pending: '审批中', approved: '已批准', rejected: '已驳回', withdrawn: '已撤回' } as const;
      for (const q of v.quotes) lines.push(md`- ${shortId('quote', q.shortNo)} ${shortId('deal', q.dealShortNo)} ${formatFen(q.amountFen)} · ${status[q.status]}`);
    }
    return [markdown(joinText(lines), `${c.name}`)];
  },
};

export const pipelineCommand: CommandSpec = {
  id: 'pipeline',
  names: ['漏斗', 'pipeline', 'funnel'],
  usage: '/漏斗 [我的]',
  summary: '销售漏斗：各阶段商机数、金额、加权金额（经理看团队，总监看全部）',
  examples: ['/漏斗', '/pipeline mine'],
  async run(env, line) {
    const { labels } = await pipelineRules(env.ctx.db, env.ctx.actor.tenantId);
    const mine = ['我的', 'mine', 'me'].includes(line.args[0] ?? '');
    const rows = await pipelineByStage(env.ctx, mine ? 'mine' : 'visible');
    const scope = mine || env.ctx.actor.role === 'rep' ? '我的' : `${ROLE_LABELS[env.ctx.actor.role]}视角`;
    const total = rows.reduce((a, r) => ({ n: a.n + r.count, f: a.f + r.amountFen, w: a.w + r.weightedFen }), { n: 0, f: 0, w: 0 });
    const lines: Text[] = rows.map((r) => md`- ${labels[r.stage]}：${r.count} 个 · ${formatFen(r.amountFen)} · 加权 ${formatFen(r.weightedFen)}`);
    lines.push(md`**合计：${total.n} 个 · ${formatFen(total.f)} · 加权 ${formatFen(total.w)}**`);
    return [markdown(joinText(lines), `销售漏斗（${scope}）`)];
  },
};
