// Card → Feishu interactive card JSON 2.0 (docs "卡片 JSON 2.0 结构"): header with a colour template, markdown
// fields and body, callback buttons whose value is an object `{ d: <action data> }` (the SDKs accept only objects),
// `update_multi` so an update shows for every viewer of a shared card.
import { markdownUrl, neutralizeMarkdown, stripInvisible } from '../escape.js';
import { renderText } from '../markup.js';
import type { Card, CardChart } from '../model.js';
import { clip, clipBytes } from '../text-limits.js';
import { FEISHU_LIMITS as L } from './limits.js';

const TEMPLATE = { info: 'blue', pending: 'orange', success: 'green', danger: 'red', warning: 'yellow', neutral: 'grey' } as const;
const BUTTON = { primary: 'primary', danger: 'danger', default: 'default' } as const;

/** Feishu markdown treats `<`/`>` as tags (`<at>`, `<font>`) and `&` as entities, which it decodes for display;
 *  the other markdown characters get cards/escape.ts. */
export function escapeFeishu(text: string): string {
  return neutralizeMarkdown(text, '<>&').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
const plain = (s: string) => clip(stripInvisible(s), L.title);

export function renderFeishuCard(card: Card): Record<string, unknown> {
  const elements: Record<string, unknown>[] = [];
  if (card.fields.length > 0) {
    elements.push({ tag: 'markdown', content: card.fields.map((f) => `**${escapeFeishu(f.label)}**　${escapeFeishu(f.value)}`).join('\n') });
  }
  if (card.chart) elements.push(...chartElements(card.chart));
  if (card.body) elements.push({ tag: 'markdown', content: renderText(card.body, escapeFeishu) });
  const url = card.link && markdownUrl(card.link.url);
  if (card.link && url) elements.push({ tag: 'markdown', content: `[${escapeFeishu(card.link.label)}](${url})` });
  const buttons = card.buttons.slice(0, L.buttons);
  // Rows of a few buttons each, so a nine-way choice stays tappable on a phone.
  for (let i = 0; i < buttons.length; i += L.buttonsPerRow) {
    elements.push({
      tag: 'column_set',
      flex_mode: 'none',
      columns: buttons.slice(i, i + L.buttonsPerRow).map((b) => ({
        tag: 'column',
        width: 'auto',
        elements: [
          {
            tag: 'button',
            text: { tag: 'plain_text', content: clip(stripInvisible(b.label), L.buttonText) },
            type: BUTTON[b.style ?? 'default'],
            behaviors: [{ type: 'callback', value: { d: b.data } }],
          },
        ],
      })),
    });
  }
  if (card.footer) elements.push({ tag: 'markdown', content: `<font color='grey'>${escapeFeishu(card.footer)}</font>` });
  const out = {
    schema: '2.0',
    config: { update_multi: true, summary: { content: plain(card.title) } },
    header: {
      title: { tag: 'plain_text', content: plain(card.title) },
      ...(card.subtitle ? { subtitle: { tag: 'plain_text', content: plain(card.subtitle) } } : {}),
      template: TEMPLATE[card.state],
    },
    body: { elements },
  };
  return fitCard(out, elements);
}

/**
 * The card's chart as two chart components (docs "图表组件", JSON 2.0: `tag: "chart"` with a VChart `chart_spec`):
 * the open pipeline as bars by stage, and the week's trend as lines (new deals, follow-ups, won). Stage names are
 * plain data to VChart (it draws text, it parses no markup); they only lose invisible characters and length.
 */
export function chartElements(chart: CardChart): Record<string, unknown>[] {
  const label = (s: string) => clip(stripInvisible(s), L.chartLabel);
  return [
    {
      tag: 'chart',
      aspect_ratio: '16:9',
      chart_spec: {
        type: 'bar',
        title: { text: '在手商机（按阶段）' },
        data: { values: chart.bars.map((b) => ({ stage: label(b.label), count: b.count })) },
        xField: 'stage',
        yField: 'count',
        label: { visible: true },
      },
    },
    {
      tag: 'chart',
      aspect_ratio: '16:9',
      chart_spec: {
        type: 'line',
        title: { text: `近 ${chart.trend.length} 天趋势` },
        data: {
          values: chart.trend.flatMap((d) => [
            { day: d.day, series: '新商机', value: d.newDeals },
            { day: d.day, series: '跟进', value: d.followUps },
            { day: d.day, series: '签约', value: d.won },
          ]),
        },
        xField: 'day',
        yField: 'value',
        seriesField: 'series',
        legends: { visible: true, orient: 'bottom' },
      },
    },
  ];
}

/** Keeps a card under the 30 KB limit by shortening its longest markdown element (a digest with many lines). */
function fitCard(out: Record<string, unknown>, elements: Record<string, unknown>[]) {
  let size = Buffer.byteLength(JSON.stringify(out));
  while (size > L.cardBytes) {
    const md = elements.filter((e) => e.tag === 'markdown').sort((a, b) => String(b.content).length - String(a.content).length)[0];
    if (!md) break;
    const content = String(md.content);
    md.content = clipBytes(content, Math.max(0, Buffer.byteLength(content) - (size - L.cardBytes) - 64));
    size = Buffer.byteLength(JSON.stringify(out));
  }
  return out;
}
