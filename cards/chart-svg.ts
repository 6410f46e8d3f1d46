// A card's chart (cards/model.ts CardChart) as an SVG picture for platforms without a chart component (WeCom,
// DingTalk, the console): the open pipeline as horizontal bars by stage, and the week's trend as three lines (new
// deals, follow-ups, won). Pure: data in, SVG text out; src/documents/digest-chart.ts turns it into a PNG.
// Every label that may come from users (the title's team name, stage names) is XML text, escaped here, so a
// `<script>` or `&` in a team name is drawn as those characters and never becomes markup.
import { stripInvisible } from './escape.js';
import type { CardChart } from './model.js';
import { clip } from './text-limits.js';

/** The picture's size in CSS pixels; the PNG may be drawn at a scale of it. */
export const CHART_WIDTH = 720;
export const CHART_HEIGHT = 520;
/** The font the picture names; the renderer must load it (Noto Sans SC covers Chinese and Latin). */
export const CHART_FONT = 'Noto Sans SC';

const COLOURS = { bar: '#3370ff', newDeals: '#3370ff', followUps: '#ff8800', won: '#2ea121', grid: '#e5e6eb', text: '#1f2329', muted: '#646a73' } as const;
export const TREND_SERIES = [
  { key: 'newDeals', label: '新商机', colour: COLOURS.newDeals },
  { key: 'followUps', label: '跟进', colour: COLOURS.followUps },
  { key: 'won', label: '签约', colour: COLOURS.won },
] as const;

/** XML text: the five special characters as entities, and the characters XML 1.0 forbids dropped. */
export function xmlText(s: string): string {
  return stripInvisible(s)
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

const num = (n: number) => (Number.isFinite(n) ? Math.round(n * 10) / 10 : 0);

/** Axis maximum: at least 2, an even number rounded up to a readable step, so the middle grid line is whole. */
function niceMax(max: number): number {
  const step = max <= 10 ? 2 : 2 * 10 ** Math.floor(Math.log10(max / 2));
  return Math.max(2, Math.ceil(max / step) * step);
}

export function chartSvg(chart: CardChart, title: string): string {
  const W = CHART_WIDTH;
  const out: string[] = [];
  const text = (x: number, y: number, s: string, attrs = '') => out.push(`<text x="${num(x)}" y="${num(y)}"${attrs ? ` ${attrs}` : ''}>${xmlText(s)}</text>`);

  out.push(`<rect width="${W}" height="${CHART_HEIGHT}" fill="#ffffff"/>`);
  text(24, 38, clip(title, 40), `font-size="22" fill="${COLOURS.text}"`);

  // Pipeline bars: label column, bar, count at the bar's end.
  text(24, 76, '在手商机（按阶段）', `font-size="15" fill="${COLOURS.muted}"`);
  const barTop = 92;
  const rowH = 34;
  const labelW = 120;
  const barMaxW = W - 24 - labelW - 80;
  const maxCount = Math.max(1, ...chart.bars.map((b) => b.count));
  chart.bars.slice(0, 8).forEach((b, i) => {
    const y = barTop + i * rowH;
    const w = b.count > 0 ? Math.max(3, (b.count / maxCount) * barMaxW) : 0;
    text(24, y + 20, clip(b.label, 8), `font-size="15" fill="${COLOURS.text}"`);
    if (w > 0) out.push(`<rect x="${24 + labelW}" y="${y + 4}" width="${num(w)}" height="${rowH - 12}" rx="3" fill="${COLOURS.bar}"/>`);
    text(24 + labelW + w + 8, y + 20, `${b.count}`, `font-size="15" fill="${COLOURS.text}"`);
  });

  // Trend: three lines over the days, a light grid, day labels under the axis, a legend.
  const trendTitleY = barTop + Math.max(1, Math.min(8, chart.bars.length)) * rowH + 24;
  text(24, trendTitleY, `近 ${chart.trend.length} 天趋势`, `font-size="15" fill="${COLOURS.muted}"`);
  TREND_SERIES.forEach((s, i) => {
    const x = W - 24 - (TREND_SERIES.length - i) * 90;
    out.push(`<rect x="${x}" y="${trendTitleY - 11}" width="14" height="4" fill="${s.colour}"/>`);
    text(x + 20, trendTitleY, s.label, `font-size="14" fill="${COLOURS.text}"`);
  });
  const plot = { x: 64, y: trendTitleY + 20, w: W - 64 - 32, h: CHART_HEIGHT - trendTitleY - 20 - 40 };
  const max = niceMax(Math.max(0, ...chart.trend.flatMap((d) => [d.newDeals, d.followUps, d.won])));
  for (let k = 0; k <= 2; k++) {
    const v = (max * k) / 2;
    const y = plot.y + plot.h - (v / max) * plot.h;
    out.push(`<line x1="${plot.x}" y1="${num(y)}" x2="${plot.x + plot.w}" y2="${num(y)}" stroke="${COLOURS.grid}" stroke-width="1"/>`);
    text(plot.x - 8, y + 5, `${num(v)}`, `font-size="13" text-anchor="end" fill="${COLOURS.muted}"`);
  }
  const n = chart.trend.length;
  const xOf = (i: number) => plot.x + (n <= 1 ? plot.w / 2 : (i * plot.w) / (n - 1));
  const yOf = (v: number) => plot.y + plot.h - (Math.max(0, v) / max) * plot.h;
  chart.trend.forEach((d, i) => text(xOf(i), plot.y + plot.h + 24, d.day, `font-size="13" text-anchor="middle" fill="${COLOURS.muted}"`));
  for (const s of TREND_SERIES) {
    const points = chart.trend.map((d, i) => `${num(xOf(i))},${num(yOf(d[s.key]))}`).join(' ');
    if (n > 1) out.push(`<polyline points="${points}" fill="none" stroke="${s.colour}" stroke-width="3" stroke-linejoin="round"/>`);
    chart.trend.forEach((d, i) => out.push(`<circle cx="${num(xOf(i))}" cy="${num(yOf(d[s.key]))}" r="4" fill="${s.colour}"/>`));
  }

  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${CHART_HEIGHT}" viewBox="0 0 ${W} ${CHART_HEIGHT}" font-family="${CHART_FONT}">${out.join('')}</svg>`;
}
