// The first screen: the funnel (chart and table), conversion and cycle time, my due deals and approvals waiting.
import * as echarts from 'echarts/core';
import { FunnelChart } from 'echarts/charts';
import { CanvasRenderer } from 'echarts/renderers';
import { api, el, notice, root, yuan, type Me } from './dom.js';

echarts.use([FunnelChart, CanvasRenderer]);

type Period = 'month' | 'quarter' | 'last90';
interface Funnel {
  periodLabel: string;
  since: string;
  pipeline: Array<{ stage: string; label: string; count: number; amountFen: number; weightedFen: number }>;
  conversion: Array<{ fromLabel: string; toLabel: string; rate: number | null }>;
  avgCycleDays: number | null;
  wonCount: number;
}
interface Todos {
  deals: Array<{ no: string; title: string; customerName: string; dueAt: string; overdue: boolean }>;
  approvals: Array<{ no: string; dealTitle: string; amountFen: number }>;
}

let period: Period = 'last90';

export async function showHome(me: Me) {
  const [funnel, todos] = await Promise.all([api<Funnel>(`/app/api/funnel?period=${period}`), api<Todos>('/app/api/todos')]);
  if (!funnel.ok) return notice(funnel.message);
  if (!todos.ok) return notice(todos.message);
  const f = funnel.body;
  const tabs = el('div', { class: 'tabs' });
  for (const [p, label] of [['month', '本月'], ['quarter', '本季'], ['last90', '近90天']] as const) {
    const b = el('button', { type: 'button', 'aria-pressed': String(p === period) }, label);
    b.addEventListener('click', () => {
      period = p;
      void showHome(me);
    });
    tabs.append(b);
  }
  const chart = el('div', { id: 'funnel-chart', 'data-testid': 'funnel-chart' });
  const rows = f.pipeline.map((r) =>
    el('tr', { 'data-stage': r.stage }, el('td', {}, r.label), el('td', { class: 'n', 'data-testid': `count-${r.stage}` }, String(r.count)), el('td', { class: 'n', 'data-testid': `amount-${r.stage}` }, yuan(r.amountFen)), el('td', { class: 'n' }, yuan(r.weightedFen))),
  );
  const table = el('table', {}, el('thead', {}, el('tr', {}, el('th', {}, '阶段'), el('th', { class: 'n' }, '商机'), el('th', { class: 'n' }, '金额'), el('th', { class: 'n' }, '加权'))), el('tbody', {}, ...rows));
  const conv = el('p', { class: 'muted' }, `转化率（${f.periodLabel}）：${f.conversion.map((c) => `${c.fromLabel}→${c.toLabel} ${c.rate === null ? '—' : `${Math.round(c.rate * 100)}%`}`).join('，')}；平均成交周期：${f.avgCycleDays === null ? '暂无成交' : `${Math.round(f.avgCycleDays)} 天（${f.wonCount} 单）`}`);
  const due = el('ul', { 'data-testid': 'due-list' }, ...todos.body.deals.map((d) =>
    el('li', {}, el('a', { href: `#/deal/${d.no}` }, `${d.no} ${d.title}`), ' · ', d.customerName, ' · ', el('span', { class: d.overdue ? 'overdue' : 'muted' }, `${d.overdue ? '已超期' : '应跟进'} ${new Date(d.dueAt).toLocaleString('zh-CN', { month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' })}`)),
  ));
  if (todos.body.deals.length === 0) due.append(el('li', { class: 'muted' }, '今天没有要跟进的商机。'));
  const approvals = el('ul', { 'data-testid': 'approvals' }, ...todos.body.approvals.map((a) => el('li', {}, `${a.no} ${a.dealTitle} · ${yuan(a.amountFen)}`)));
  if (todos.body.approvals.length === 0) approvals.append(el('li', { class: 'muted' }, '没有等你审批的报价。'));
  root.replaceChildren(
    el('header', {}, el('h1', {}, 'ChatCRM 看板'), el('span', {}, el('span', { class: 'muted', 'data-testid': 'me' }, `${me.name} · ${me.roleLabel}`), ...(me.role === 'admin' ? [' ', el('a', { href: '#/admin', 'data-testid': 'to-admin' }, '管理')] : []))),
    el('main', {}, el('section', {}, el('h2', {}, '销售漏斗'), tabs, chart, table, conv), el('section', {}, el('h2', {}, '待跟进'), due), el('section', {}, el('h2', {}, '等我审批'), approvals)),
  );
  const c = echarts.init(chart, undefined, { renderer: 'canvas' });
  c.setOption({
    animation: false,
    series: [{ type: 'funnel', sort: 'none', left: '10%', width: '80%', minSize: '20%', label: { show: true, position: 'inside', formatter: '{b}\n{c}' }, data: f.pipeline.map((r) => ({ name: r.label, value: r.count })) }],
  });
}
