// The first screen: the funnel (chart and table) with each stage's cycle time, conversion and the won cycle, my due
// deals and approvals waiting, under the team/rep filter. Marks `fmp` (performance.mark) once the funnel is drawn:
// `npm run bench -- page` reads it as the first meaningful paint.
import * as echarts from 'echarts/core';
import { FunnelChart } from 'echarts/charts';
import { CanvasRenderer } from 'echarts/renderers';
import { api, dealList, el, filterBar, filterQuery, frame, notice, tabs, yuan, type Me } from './dom.js';

echarts.use([FunnelChart, CanvasRenderer]);

type Period = 'month' | 'quarter' | 'last90';
interface Funnel {
  periodLabel: string;
  since: string;
  pipeline: Array<{ stage: string; label: string; count: number; amountFen: number; weightedFen: number }>;
  conversion: Array<{ fromLabel: string; toLabel: string; rate: number | null }>;
  avgCycleDays: number | null;
  wonCount: number;
  stageDays: Array<{ stage: string; label: string; days: number | null; count: number }>;
}
interface Todos {
  deals: Array<{ no: string; title: string; customerName: string; dueAt: string; overdue: boolean }>;
  approvals: Array<{ no: string; dealTitle: string; amountFen: number }>;
}

let period: Period = 'last90';
const when = (iso: string) => new Date(iso).toLocaleString('zh-CN', { month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });

const load = () => {
  const q = filterQuery();
  return Promise.all([api<Funnel>(`/app/api/funnel?period=${period}${q ? `&${q}` : ''}`), api<Todos>('/app/api/todos')]);
};
let early: ReturnType<typeof load> | undefined;

/** Asks for the first screen's figures while /app/api/me is still on its way (app.ts, on a first load of #/). */
export function prefetchHome() {
  early = load();
}

export async function showHome(me: Me) {
  const loading = early ?? load();
  early = undefined;
  // The filter's choices are not needed to draw the funnel: they fill their place when they arrive.
  const filters = el('div', { class: 'filters' });
  const choices = filterBar(() => void showHome(me));
  const [funnel, todos] = await loading;
  if (!funnel.ok) return notice(funnel.message);
  if (!todos.ok) return notice(todos.message);
  const f = funnel.body;
  const periodTabs = tabs([['month', '本月'], ['quarter', '本季'], ['last90', '近90天']] as const, period, (p) => {
    period = p;
    void showHome(me);
  });
  const chart = el('div', { id: 'funnel-chart', class: 'chart', 'data-testid': 'funnel-chart' });
  const daysOf = new Map(f.stageDays.map((d) => [d.stage, d.days]));
  const rows = f.pipeline.map((r) => {
    const days = daysOf.get(r.stage);
    return el('tr', { 'data-stage': r.stage }, el('td', {}, r.label), el('td', { class: 'n', 'data-testid': `count-${r.stage}` }, String(r.count)), el('td', { class: 'n', 'data-testid': `amount-${r.stage}` }, yuan(r.amountFen)), el('td', { class: 'n' }, yuan(r.weightedFen)),
      el('td', { class: 'n', 'data-testid': `days-${r.stage}` }, days == null ? '—' : `${days} 天`));
  });
  const table = el('table', {}, el('thead', {}, el('tr', {}, el('th', {}, '阶段'), el('th', { class: 'n' }, '商机'), el('th', { class: 'n' }, '金额'), el('th', { class: 'n' }, '加权'), el('th', { class: 'n' }, '停留'))), el('tbody', {}, ...rows));
  const conv = el('p', { class: 'muted' }, `转化率（${f.periodLabel}）：${f.conversion.map((c) => `${c.fromLabel}→${c.toLabel} ${c.rate === null ? '—' : `${Math.round(c.rate * 100)}%`}`).join('，')}；平均成交周期：${f.avgCycleDays === null ? '暂无成交' : `${Math.round(f.avgCycleDays)} 天（${f.wonCount} 单）`}；「停留」是${f.periodLabel}离开该阶段的商机在阶段里的平均天数`);
  const due = dealList('due-list', todos.body.deals.map((d) => ({ no: d.no, title: d.title, customerName: d.customerName, note: `${d.overdue ? '已超期' : '应跟进'} ${when(d.dueAt)}`, bad: d.overdue })), '今天没有要跟进的商机。');
  const approvals = el('ul', { 'data-testid': 'approvals' }, ...todos.body.approvals.map((a) => el('li', {}, el('a', { href: '#/approvals' }, `${a.no} ${a.dealTitle}`), ` · ${yuan(a.amountFen)}`)));
  if (todos.body.approvals.length === 0) approvals.append(el('li', { class: 'muted' }, '没有等你审批的报价。'));
  frame(me, '#/', 'ChatCRM 看板',
    el('section', {}, el('h2', {}, '销售漏斗'), periodTabs, filters, chart, table, conv),
    el('section', {}, el('h2', {}, '待跟进'), due),
    el('section', {}, el('h2', {}, '等我审批'), approvals),
  );
  const c = echarts.init(chart, undefined, { renderer: 'canvas' });
  c.setOption({
    animation: false,
    series: [{ type: 'funnel', sort: 'none', left: '10%', width: '80%', minSize: '20%', label: { show: true, position: 'inside', formatter: '{b}\n{c}' }, data: f.pipeline.map((r) => ({ name: r.label, value: r.count })) }],
  });
  if (performance.getEntriesByName('fmp').length === 0) performance.mark('fmp');
  filters.replaceWith(await choices);
}
