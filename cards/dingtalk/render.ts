// Card → DingTalk robot messages. Two forms:
// - template-free (default): markdown, or an ActionCard whose buttons are `dtmd://dingtalkclient/sendMessage` links —
//   tapping one makes the user send the button's command (e.g. `/批准 A-12`) to the robot, so it works with no
//   card template installed;
// - template cards (DINGTALK_CARD_TEMPLATE_ID set): the card's variables as a cardParamMap of strings for the
//   template described in cards/dingtalk/TEMPLATE.md, updated in place by outTrackId.
import type { Card } from '../model.js';
import { clip, clipBytes } from '../wecom/limits.js';
import { DINGTALK_LIMITS as L } from './limits.js';

const MARK = { info: 'ℹ️', pending: '⏳', success: '✅', danger: '❌', warning: '⚠️', neutral: '▫️' } as const;

export interface RobotMessage {
  msgKey: string;
  msgParam: Record<string, string>;
}

/** DingTalk markdown: `#` headings, bold, lists, line breaks need two spaces or a blank line. */
export function dingtalkMarkdown(card: Card): string {
  const lines = [`### ${MARK[card.state]} ${card.title}`];
  if (card.subtitle) lines.push(`> ${card.subtitle}`);
  if (card.fields.length > 0) lines.push('', ...card.fields.map((f) => `- **${f.label}**：${f.value}`));
  if (card.body) lines.push('', ...card.body.split('\n'));
  if (card.footer) lines.push('', `*${card.footer}*`);
  return lines.join('  \n');
}

export function commandLink(command: string): string {
  return `dtmd://dingtalkclient/sendMessage?content=${encodeURIComponent(command.trim())}`;
}

function fit(param: Record<string, string>, key: 'text'): Record<string, string> {
  const over = Buffer.byteLength(JSON.stringify(param)) - L.msgParamBytes;
  if (over > 0) param[key] = clipBytes(param[key] ?? '', Math.max(0, Buffer.byteLength(param[key] ?? '') - over - 64));
  return param;
}

export function renderDingtalkMessage(card: Card): RobotMessage {
  const title = clip(card.title, L.title);
  const buttons = card.buttons.filter((b) => b.command).slice(0, L.actionCardButtons);
  let text = dingtalkMarkdown(card);
  if (buttons.length === 0) return { msgKey: 'sampleMarkdown', msgParam: fit({ title, text }, 'text') };
  const extra = card.buttons.filter((b) => b.command).slice(L.actionCardButtons);
  if (extra.length > 0) text += `  \n${extra.map((b) => `- ${b.label}：\`${b.command!.trim()}\``).join('  \n')}`;
  if (buttons.length === 1) {
    const b = buttons[0]!;
    return { msgKey: 'sampleActionCard', msgParam: fit({ title, text, singleTitle: clip(b.label, L.buttonText), singleURL: commandLink(b.command!) }, 'text') };
  }
  const param: Record<string, string> = { title, text };
  buttons.forEach((b, i) => {
    param[`actionTitle${i + 1}`] = clip(b.label, L.buttonText);
    param[`actionURL${i + 1}`] = commandLink(b.command!);
  });
  return { msgKey: `sampleActionCard${buttons.length}`, msgParam: fit(param, 'text') };
}

/** Variables of the ChatCRM card template (cards/dingtalk/TEMPLATE.md); DingTalk card params are strings. */
export function renderDingtalkTemplateData(card: Card): Record<string, string> {
  const params: Record<string, string> = {
    title: clip(card.title, 60),
    subtitle: card.subtitle ?? '',
    state: card.state,
    markdown: clipBytes([...card.fields.map((f) => `**${f.label}**：${f.value}`), ...(card.body ? ['', card.body] : [])].join('\n'), 8000),
    footer: card.footer ?? '',
    hasButtons: card.buttons.length > 0 ? 'true' : 'false',
  };
  for (let i = 0; i < 3; i++) {
    const b = card.buttons[i];
    params[`btn${i + 1}Label`] = b ? clip(b.label, L.buttonText) : '';
    params[`btn${i + 1}Style`] = b?.style ?? 'default';
    params[`btn${i + 1}Data`] = b?.data ?? '';
  }
  return params;
}
