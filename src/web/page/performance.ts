// The performance screen (#/perf, loaded on demand): target vs won vs forecast as bars, with pipeline, coverage and
// gap (/业绩's figures), and each rep's 90-day record.
import * as echarts from 'echarts/core';
import { BarChart } from 'echarts/charts';
import { GridComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
import { api, el, filterBar, filterQuery, frame, notice, tabs, yuan, type Me } from './dom.js';

echarts.use([BarChart, GridComponent, CanvasRenderer]);

interface Perf {
  scope: string;
  period: { label: string };
  targetFen: number;
  targetFrom: 'team' | 'people' | 'none';
  wonFen: number;
  wonCount: number;
  pipelineFen: number;
  pipelineCount: number;
  weightedFen: number;
  forecastFen: number;
  gapFen: number;
  coverageTenths: number | null;
  reps: Array<{ userId: string; name: string; won: number; lost: number; winRatePct: number | null; avgDealFen: number | null }>;
}

let period: 'month' | 'quarter' = 'month';

export async function showPerformance(me: Me) {
  const q = filterQuery();
  const [res, filters] = await Promise.all([api<Perf>(`/app/api/performance?period=${period}${q ? `&${q}` : ''}`), filterBar(() => void showPerformance(me))]);
  if (!res.ok) return notice(res.message);
  const p = res.body;
  const periodTabs = tabs([['month', '本月'], ['quarter', '本季']] as const, period, (x) => {
    period = x;
    void showPerformance(me);
  });
  const chart = el('div', { id: 'perf-chart', class: 'chart', 'data-testid': 'perf-chart' });
  const figure = (label: string, value: string, id: string) => el('p', {}, `${label}：`, el('strong', { 'data-testid': id }, value));
  const reps = el('tbody', {}, ...p.reps.map((r) => el('tr', {}, el('td', {}, r.name), el('td', { class: 'n' }, `${r.won} / ${r.lost}`), el('td', { class: 'n' }, r.winRatePct === null ? '—' : `${r.winRatePct}%`), el('td', { class: 'n' }, r.avgDealFen === null ? '—' : yuan(r.avgDealFen)))));
  frame(me, '#/perf', '业绩',
    el('section', {}, el('h2', {}, `${p.scope} · ${p.period.label}`), periodTabs, filters, chart,
      figure('目标', p.targetFrom === 'none' ? '未设置' : yuan(p.targetFen), 'target'), figure('已成交', `${yuan(p.wonFen)}（${p.wonCount} 单）`, 'won'),
      figure('预测', yuan(p.forecastFen), 'forecast'), figure('预计本期成交的在跟商机', `${yuan(p.pipelineFen)}（${p.pipelineCount} 个，加权 ${yuan(p.weightedFen)}）`, 'pipeline'),
      figure('覆盖率', p.coverageTenths === null ? '—' : `${(p.coverageTenths / 10).toFixed(1)}×`, 'coverage'), figure('缺口', yuan(p.gapFen), 'gap')),
    el('section', {}, el('h2', {}, '近 90 天成交（赢 / 输）'), el('table', {}, el('thead', {}, el('tr', {}, el('th', {}, '姓名'), el('th', { class: 'n' }, '赢/输'), el('th', { class: 'n' }, '赢单率'), el('th', { class: 'n' }, '平均单额'))), reps)),
  );
  echarts.init(chart, undefined, { renderer: 'canvas' }).setOption({
    animation: false,
    grid: { left: 64, right: 12, top: 16, bottom: 28 },
    xAxis: { type: 'category', data: ['目标', '已成交', '预测'] },
    yAxis: { type: 'value', axisLabel: { formatter: (v: number) => (v >= 10_000 ? `${v / 10_000}万` : String(v)) } },
    series: [{ type: 'bar', barWidth: '45%', label: { show: true, position: 'top', formatter: (x: { value: number }) => `¥${Math.round(x.value).toLocaleString('en-US')}` },
      data: [p.targetFen, p.wonFen, p.forecastFen].map((fen, i) => ({ value: fen / 100, itemStyle: { color: ['#8f959e', '#34c724', '#1456f0'][i] } })) }],
  });
}
