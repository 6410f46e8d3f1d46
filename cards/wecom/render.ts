// Card → WeCom JSON: a `button_interaction` template card when the card has buttons, WeCom markdown otherwise.
// Template-card fields are plain text; WeCom markdown gets every user string escaped (cards/escape.ts).
// Formats: doc 90236 (template_card), 94888 (update_template_card), 91770 (group robot markdown).
import { markdownUrl, neutralizeMarkdown as esc, stripInvisible as txt } from '../escape.js';
import { plainText, renderText, type Text } from '../markup.js';
import type { Card } from '../model.js';
import { clip, clipBytes } from '../text-limits.js';
import { WECOM_LIMITS as L } from './limits.js';

const STYLE = { primary: 1, danger: 2, default: 4 } as const;
const COLOUR = { info: 'info', pending: 'warning', success: 'info', danger: 'warning', warning: 'warning', neutral: 'comment' } as const;

export function renderWecomCard(card: Card, opts: { taskId: string }) {
  const fields = card.fields.slice(0, L.fields).map((f) => ({ keyname: clip(txt(f.label), L.keyname), value: clip(txt(f.value), L.value) }));
  return {
    card_type: 'button_interaction',
    source: { desc: 'ChatCRM' },
    main_title: { title: clip(txt(card.title), L.title), ...(card.subtitle ? { desc: clip(txt(card.subtitle), L.desc) } : {}) },
    ...(card.body ? { sub_title_text: clip(plain(card.body), L.subTitle) } : {}),
    ...(fields.length > 0 ? { horizontal_content_list: fields } : {}),
    task_id: opts.taskId,
    button_list: card.buttons.slice(0, L.buttons).map((b) => ({
      text: clip(txt(b.label), L.buttonText),
      style: STYLE[b.style ?? 'default'],
      key: b.data,
    })),
    replace_text: '已处理',
  };
}

/** The body of update_template_card for a resolved card: grey every button with a short outcome. */
export function renderWecomUpdate(card: Card) {
  return { button: { replace_name: clip(txt(card.footer ?? card.title), L.replaceName) } };
}

/** WeCom markdown (its subset: bold, quotes, <font color>), for cards without buttons and for group robots. */
export function renderWecomMarkdown(card: Card, maxBytes: number = L.appMarkdownBytes): string {
  const lines = [`**<font color="${COLOUR[card.state]}">${esc(card.title)}</font>**`];
  if (card.subtitle) lines.push(`> ${esc(card.subtitle)}`);
  for (const f of card.fields) lines.push(`> ${esc(f.label)}：<font color="comment">${esc(f.value)}</font>`);
  if (card.body) lines.push('', renderText(card.body, esc));
  if (card.buttons.length > 0) lines.push('', card.buttons.map((b) => `${esc(b.label)}：\`${esc((b.command ?? '').trim())}\``).join('\n'));
  if (card.footer) lines.push('', `<font color="comment">${esc(card.footer)}</font>`);
  // The link comes last and is never the part cut off: a long digest loses body lines, not its dashboard link.
  const url = card.link && markdownUrl(card.link.url);
  const link = card.link && url ? `\n\n[${esc(card.link.label)}](${url})` : '';
  return clipBytes(lines.join('\n'), maxBytes - Buffer.byteLength(link)) + link;
}

function plain(body: Text): string {
  return txt(plainText(body)).replace(/\n+/g, ' ');
}

/** A markdown message (title + text) in WeCom markdown. */
export function wecomMarkdownMessage(title: string | undefined, text: Text): string {
  return title ? `**${esc(title)}**\n${renderText(text, esc)}` : renderText(text, esc);
}

/**
 * The WeCom smart robot's answer to a click (aibot_respond_update_msg, doc 101463 更新模板卡片): the whole card
 * again under the clicked task_id. A robot card cannot grey its buttons, so the resolved card keeps one neutral
 * button that reads the outcome; its key is not an action, so a tap on it is answered "card expired".
 */
export function renderWecomRobotUpdate(card: Card, taskId: string) {
  const { replace_text: _r, ...base } = renderWecomCard({ ...card, buttons: [] }, { taskId });
  // The outcome without its time: 「王五 已批准 · 11-25 10:32」 → 「王五 已批准」.
  const outcome = (card.footer ?? card.title).split(' · ')[0]!;
  return { ...base, button_list: [{ text: clip(txt(outcome), L.buttonText) || '已处理', style: STYLE.default, key: 'chatcrm-done' }] };
}
