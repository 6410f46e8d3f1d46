// The team screen (#/team, loaded on demand): each person's follow-ups per week over the last 8 weeks as a heatmap,
// their due and escalated counts, and the escalated, due and stagnant deals (each a link to its 360° view).
import * as echarts from 'echarts/core';
import { HeatmapChart } from 'echarts/charts';
import { GridComponent, TooltipComponent, VisualMapComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
import { api, dealList, el, filterBar, filterQuery, frame, notice, yuan, type Me } from './dom.js';

echarts.use([HeatmapChart, GridComponent, VisualMapComponent, TooltipComponent, CanvasRenderer]);

interface TeamDeal { no: string; title: string; customerName: string; ownerName: string; stageLabel: string }
interface Team {
  team: null | {
    weeks: string[];
    reps: Array<{ id: string; name: string; openDeals: number; amountFen: number; due: number; escalated: number; followUpsThisWeek: number; weeks: number[] }>;
    due: Array<TeamDeal & { dueLabel: string; escalated: boolean }>;
    escalated: Array<TeamDeal & { dueLabel: string }>;
    stagnant: Array<TeamDeal & { days: number }>;
  };
  message?: string;
}

export async function showTeam(me: Me) {
  const q = filterQuery();
  const [res, filters] = await Promise.all([api<Team>(`/app/api/team${q ? `?${q}` : ''}`), filterBar(() => void showTeam(me))]);
  if (!res.ok) return notice(res.message);
  const t = res.body.team;
  if (!t) return frame(me, '#/team', '团队', el('section', { 'data-testid': 'notice' }, res.body.message ?? ''));
  const chart = el('div', { id: 'heatmap-chart', class: 'chart', 'data-testid': 'heatmap-chart', style: `height:${Math.max(160, 70 + 30 * t.reps.length)}px` });
  const rows = t.reps.map((r) =>
    el('tr', { 'data-rep': r.id }, el('td', {}, r.name), el('td', { class: 'n' }, `${r.openDeals} · ${yuan(r.amountFen)}`), el('td', { class: `n${r.due > 0 ? ' overdue' : ''}`, 'data-testid': `due-${r.name}` }, String(r.due)),
      el('td', { class: `n${r.escalated > 0 ? ' overdue' : ''}`, 'data-testid': `escalated-${r.name}` }, String(r.escalated)), el('td', { class: 'n', 'data-testid': `week-${r.name}` }, String(r.followUpsThisWeek))),
  );
  const table = el('table', {}, el('thead', {}, el('tr', {}, el('th', {}, '姓名'), el('th', { class: 'n' }, '在跟'), el('th', { class: 'n' }, '待跟进'), el('th', { class: 'n' }, '已升级'), el('th', { class: 'n' }, '本周跟进'))), el('tbody', {}, ...rows));
  const item = (d: TeamDeal, note: string, bad = false) => ({ no: d.no, title: d.title, customerName: d.customerName, note: `${d.ownerName} · ${note}`, bad });
  frame(me, '#/team', '团队',
    el('section', {}, el('h2', {}, '近 8 周跟进'), filters, chart, table),
    el('section', {}, el('h2', {}, `已升级（${t.escalated.length}）`), dealList('escalated-list', t.escalated.map((d) => item(d, `${d.stageLabel}，${d.dueLabel}`, true)), '没有升级到经理的商机。')),
    el('section', {}, el('h2', {}, `团队待跟进（${t.due.length}）`), dealList('team-due-list', t.due.map((d) => item(d, `${d.stageLabel}，${d.dueLabel}`, d.escalated)), '团队没有要跟进的商机。')),
    el('section', {}, el('h2', {}, `停滞商机（${t.stagnant.length}）`), dealList('stagnant-list', t.stagnant.map((d) => item(d, `在「${d.stageLabel}」已 ${d.days} 天`)), '没有停滞的商机。')),
  );
  const max = Math.max(1, ...t.reps.flatMap((r) => r.weeks));
  echarts.init(chart, undefined, { renderer: 'canvas' }).setOption({
    animation: false,
    tooltip: { position: 'top' },
    grid: { left: 64, right: 12, top: 8, bottom: 56 },
    xAxis: { type: 'category', data: t.weeks, splitArea: { show: true }, axisLabel: { fontSize: 10 } },
    yAxis: { type: 'category', data: t.reps.map((r) => r.name), splitArea: { show: true } },
    visualMap: { min: 0, max, calculable: false, orient: 'horizontal', left: 'center', bottom: 0, itemHeight: 80, text: [String(max), '0'], inRange: { color: ['#eef3fe', '#1456f0'] } },
    series: [{ type: 'heatmap', data: t.reps.flatMap((r, y) => r.weeks.map((n, x) => [x, y, n])), label: { show: true, fontSize: 10 } }],
  });
}
