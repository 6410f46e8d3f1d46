// The digest chart drawn for platforms without a chart component: an SVG of our own (user labels as XML text) and
// the PNG resvg makes of it — a real PNG of the expected size, deterministic, and different when the numbers are.
import { describe, expect, it } from 'vitest';
import { chartSvg, xmlText } from '../../cards/chart-svg.js';
import { buildDigestCard } from '../../cards/digest-card.js';
import { markdownUrl } from '../../cards/escape.js';
import { renderFeishuCard } from '../../cards/feishu/render.js';
import { renderWecomMarkdown } from '../../cards/wecom/render.js';
import type { CardChart } from '../../cards/model.js';
import { chartCodePoints, ChartTooLarge, renderChartPng } from '../../src/documents/digest-chart.js';
import { pngSize } from '../helpers/png.js';

const chart = (won = 1): CardChart => ({
  bars: [
    { label: '线索', count: 5, amountFen: 1 },
    { label: '初访<b>&', count: 3, amountFen: 1 },
    { label: '方案', count: 0, amountFen: 0 },
  ],
  trend: ['11-18', '11-19', '11-20', '11-21', '11-22', '11-23', '11-24'].map((day, i) => ({ day, newDeals: i % 3, followUps: i, won: i === 6 ? won : 0 })),
});

describe('digest chart picture', () => {
  it('keeps user labels as XML text: a <script> or & in a team or stage name is drawn, never parsed', async () => {
    const svg = chartSvg(chart(), '华东<script>alert(1)</script> & "Co" 每日战报');
    expect(svg).not.toContain('<script');
    expect(svg).not.toContain('<b>');
    expect(svg).toContain('华东&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Co&quot;');
    expect(svg).toContain('初访&lt;b&gt;&amp;');
    expect(xmlText('a\u0000b\u0007c\u202ed\ud800')).toBe('abcd');
    // resvg parses it (an unescaped `&` or `<` would be a parse error) and draws the stated size.
    const { png, width, height } = await renderChartPng(chart(), '华东<script>alert(1)</script> & "Co"');
    expect(pngSize(png)).toEqual({ width, height });
    expect({ width, height }).toEqual({ width: 1080, height: 780 });
    expect(png.length).toBeLessThanOrEqual(200 * 1024);
  });

  it('is the same picture for the same numbers and a different one when a number changes', async () => {
    const a = await renderChartPng(chart(1), '华东销售部');
    const b = await renderChartPng(chart(1), '华东销售部');
    const c = await renderChartPng(chart(4), '华东销售部');
    expect(a.png.equals(b.png)).toBe(true);
    expect(a.png.equals(c.png)).toBe(false);
  });

  it('draws with a font cut to the picture\'s own characters, pixel for pixel as with the full font', async () => {
    // Rare characters in user text (a team named 鑫燚堃, a stage named 㐂验收) keep their glyphs: nothing is drawn
    // from a fixed list of characters.
    const rare: CardChart = { ...chart(), bars: [...chart().bars, { label: '㐂验收', count: 2, amountFen: 1 }] };
    const subset = await renderChartPng(rare, '鑫燚堃<&>组 每日战报 2026-11-25');
    const full = await renderChartPng(rare, '鑫燚堃<&>组 每日战报 2026-11-25', { fullFont: true });
    expect(full.subsetBytes).toBeUndefined();
    expect(subset.subsetBytes).toBeGreaterThan(1000);
    expect(subset.subsetBytes).toBeLessThan(200 * 1024); // the full font is 10 MB
    expect(subset.png.equals(full.png)).toBe(true);
    // Without the rare characters the picture differs: the glyphs above were really drawn.
    const plain = await renderChartPng(chart(), '华东组 每日战报 2026-11-25');
    expect(plain.png.equals(subset.png)).toBe(false);
    const cps = chartCodePoints(chartSvg(rare, '鑫燚堃<&>组'));
    for (const ch of '鑫燚堃组㐂验收<&>') expect(cps.has(ch.codePointAt(0)!)).toBe(true);
  });

  it('draws smaller above the target size and refuses a picture over the cap', async () => {
    const big = await renderChartPng(chart(), '华东销售部');
    const smaller = await renderChartPng(chart(), '华东销售部', { targetBytes: big.png.length - 1 });
    expect(pngSize(smaller.png).width).toBeLessThan(1080);
    await expect(renderChartPng(chart(), '华东销售部', { maxBytes: 1000 })).rejects.toBeInstanceOf(ChartTooLarge);
  });
});

describe('digest card chart data and dashboard link', () => {
  const input = {
    teamName: '华东部',
    date: '2026-11-25',
    pipeline: [{ stage: '线索', count: 2, amountFen: 100 }, { stage: '方案', count: 1, amountFen: 50 }],
    moved: { newDeals: 1, stageChanges: 0, won: 0, lost: 0, wonFen: 0 },
    overdue: [],
    approvalsWaiting: 0,
    conversion: [],
    avgCycleDays: null,
    trend: [{ date: '2026-11-24', newDeals: 1, followUps: 2, won: 0 }],
    dashboard: { label: '打开销售看板', url: 'https://crm.example.cn/app/auth/wecom' },
  };

  it('carries the text numbers as chart data and the link', () => {
    const card = buildDigestCard(input);
    expect(card.chart).toEqual({ bars: [{ label: '线索', count: 2, amountFen: 100 }, { label: '方案', count: 1, amountFen: 50 }], trend: [{ day: '11-24', newDeals: 1, followUps: 2, won: 0 }] });
    expect(buildDigestCard({ ...input, trend: undefined } as never).chart).toBeUndefined();
    expect(renderWecomMarkdown(card)).toMatch(/\[打开销售看板\]\(https:\/\/crm\.example\.cn\/app\/auth\/wecom\)$/);
  });

  it('keeps the link when a long digest is clipped to the robot size', () => {
    const card = { ...buildDigestCard(input), body: '很长的内容'.repeat(600) };
    const text = renderWecomMarkdown(card, 4096);
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(4096);
    expect(text.endsWith('(https://crm.example.cn/app/auth/wecom)')).toBe(true);
  });

  it('links only to http(s) addresses, with nothing that could close the markdown link', () => {
    expect(markdownUrl('javascript:alert(1)')).toBeUndefined();
    expect(markdownUrl('not a url')).toBeUndefined();
    expect(markdownUrl('https://crm.example.cn/a(b)/c d')).toBe('https://crm.example.cn/a%28b%29/c%20d');
    const json = JSON.stringify(renderFeishuCard({ ...buildDigestCard(input), link: { label: '看板', url: 'javascript:alert(1)' } }));
    expect(json).not.toContain('javascript');
  });
});
