// Card → DingTalk robot messages. Two forms:
// - template-free (default): markdown, or an ActionCard whose buttons are `dtmd://dingtalkclient/sendMessage` links —
//   tapping one makes the user send the button's command (e.g. `/批准 A-12`) to the robot, so it works with no
//   card template installed;
// - template cards (DINGTALK_CARD_TEMPLATE_ID set): the card's variables as a cardParamMap of strings for the
//   template described in cards/dingtalk/TEMPLATE.md, updated in place by outTrackId.
import { markdownUrl, neutralizeMarkdown as esc, stripInvisible } from '../escape.js';
import { renderText, type Text } from '../markup.js';
import { markedTitle } from '../format.js';
import type { Card } from '../model.js';
import { clip, clipBytes } from '../text-limits.js';
import { DINGTALK_LIMITS as L } from './limits.js';

export interface RobotMessage {
  msgKey: string;
  msgParam: Record<string, string>;
}

/** DingTalk markdown (all user text escaped, cards/escape.ts): `#` headings, bold, lists, line breaks need two spaces or a blank line. */
export function dingtalkMarkdown(card: Card): string {
  const lines = [`### ${markedTitle(card, esc)}`];
  if (card.subtitle) lines.push(`> ${esc(card.subtitle)}`);
  if (card.fields.length > 0) lines.push('', ...card.fields.map((f) => `- **${esc(f.label)}**：${esc(f.value)}`));
  // Line breaks inside user text stay plain newlines (DingTalk joins them into the paragraph); ours get `  \n`.
  if (card.body) lines.push('', dingtalkMarkdownText(card.body));
  const link = linkLine(card);
  if (link) lines.push('', link);
  if (card.footer) lines.push('', `*${esc(card.footer)}*`);
  return lines.join('  \n');
}

/** A markdown message's text: user parts escaped, our line breaks made visible to DingTalk. */
export function dingtalkMarkdownText(text: Text): string {
  return renderText(text, esc, (s) => s.replace(/\n/g, '  \n'));
}

/** The card's link of ours (the dashboard) as a markdown link; nothing when the address is not http(s). */
function linkLine(card: Card): string | undefined {
  const url = card.link && markdownUrl(card.link.url);
  return card.link && url ? `[${esc(card.link.label)}](${url})` : undefined;
}

/** The links we make: our own command, sent back to our robot as the tapping user. */
export function commandLink(command: string): string {
  return `dtmd://dingtalkclient/sendMessage?content=${encodeURIComponent(command.trim())}`;
}

function fit(param: Record<string, string>, key: 'text'): Record<string, string> {
  const over = Buffer.byteLength(JSON.stringify(param)) - L.msgParamBytes;
  if (over > 0) param[key] = clipBytes(param[key] ?? '', Math.max(0, Buffer.byteLength(param[key] ?? '') - over - 64));
  return param;
}

export function renderDingtalkMessage(card: Card): RobotMessage {
  const title = clip(stripInvisible(card.title), L.title);
  const buttons = card.buttons.filter((b) => b.command).slice(0, L.actionCardButtons);
  let text = dingtalkMarkdown(card);
  if (buttons.length === 0) return { msgKey: 'sampleMarkdown', msgParam: fit({ title, text }, 'text') };
  const extra = card.buttons.filter((b) => b.command).slice(L.actionCardButtons);
  if (extra.length > 0) text += `  \n${extra.map((b) => `- ${esc(b.label)}：\`${esc(b.command!.trim())}\``).join('  \n')}`;
  if (buttons.length === 1) {
    const b = buttons[0]!;
    return { msgKey: 'sampleActionCard', msgParam: fit({ title, text, singleTitle: clip(stripInvisible(b.label), L.buttonText), singleURL: commandLink(b.command!) }, 'text') };
  }
  const param: Record<string, string> = { title, text };
  buttons.forEach((b, i) => {
    param[`actionTitle${i + 1}`] = clip(stripInvisible(b.label), L.buttonText);
    param[`actionURL${i + 1}`] = commandLink(b.command!);
  });
  return { msgKey: `sampleActionCard${buttons.length}`, msgParam: fit(param, 'text') };
}

/** Variables of the ChatCRM card template (cards/dingtalk/TEMPLATE.md); DingTalk card params are strings. */
export function renderDingtalkTemplateData(card: Card): Record<string, string> {
  // The template shows three buttons; the rest (a nine-way choice) are listed with their commands under the text.
  const extra = card.buttons.slice(L.templateButtons).filter((b) => b.command);
  const params: Record<string, string> = {
    title: clip(stripInvisible(card.title), L.templateTitle),
    subtitle: clip(stripInvisible(card.subtitle ?? ''), L.templateSubtitle),
    state: card.state,
    markdown: clipBytes(
      [
        ...card.fields.map((f) => `**${esc(f.label)}**：${esc(f.value)}`),
        ...(card.body ? ['', renderText(card.body, esc)] : []),
        ...(linkLine(card) ? ['', linkLine(card)!] : []),
        ...(extra.length > 0 ? ['', ...extra.map((b) => `- ${esc(b.label)}：\`${esc(b.command!.trim())}\``)] : []),
      ].join('\n'),
      L.templateMarkdownBytes,
    ),
    footer: clip(stripInvisible(card.footer ?? ''), L.templateFooter),
    hasButtons: card.buttons.length > 0 ? 'true' : 'false',
  };
  for (let i = 0; i < L.templateButtons; i++) {
    const b = card.buttons[i];
    params[`btn${i + 1}Label`] = b ? clip(stripInvisible(b.label), L.buttonText) : '';
    params[`btn${i + 1}Style`] = b?.style ?? 'default';
    params[`btn${i + 1}Data`] = b?.data ?? '';
  }
  return params;
}
