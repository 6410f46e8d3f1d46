// "Which one did you mean?": numbered options; a click (or typing the number) runs that option's command.
import { encodeActionData } from './action-data.js';
import { joinText, md } from './markup.js';
import type { Card } from './model.js';

export interface ChoiceCardInput {
  question: string;
  options: Array<{ label: string; command: string }>;
}

export function buildChoiceCard(i: ChoiceCardInput): Card {
  const options = i.options.slice(0, 9);
  return {
    kind: 'choice',
    title: '请选择',
    state: 'info',
    fields: [],
    body: joinText([i.question, ...options.map((o, k) => md`${String(k + 1)}. ${o.label}`)]),
    buttons: options.map((o, k) => ({
      action: 'choose',
      label: `${k + 1}`,
      style: 'default' as const,
      data: encodeActionData({ a: 'choose', id: 'choice', n: k + 1 }),
      command: o.command,
    })),
  };
}
