// The nudge card: a deal due for follow-up (agreed time passed, or silent too long), with 记录跟进 / 推迟24小时 / 标记输单; the escalation form for managers.
import { encodeActionData } from './action-data.js';
import { joinText, md } from './markup.js';
import type { Card } from './model.js';

export interface NudgeCardInput {
  dealId: string;
  title: string;
  customerName: string;
  ownerName: string;
  hoursSilent: number;
  /** The agreed next contact (formatted) when the deal is due because that time has come. */
  agreedAt?: string;
  lastFollowUp?: string;
  escalation?: boolean;
}

export function buildNudgeCard(i: NudgeCardInput): Card {
  const days = Math.floor(i.hoursSilent / 24);
  const silence = days >= 2 ? `${days} 天` : `${i.hoursSilent} 小时`;
  const why = i.agreedAt ? `约定 ${i.agreedAt} 联系，还没有跟进` : `已 ${silence}没有跟进`;
  return {
    kind: 'nudge',
    title: i.escalation ? `⚠️ 升级提醒：${i.dealId} ${why}` : `⏰ ${i.dealId} ${why}`,
    state: i.escalation ? 'danger' : 'warning',
    fields: [
      { label: '客户', value: i.customerName },
      { label: '商机', value: `${i.dealId} ${i.title}` },
      { label: '负责人', value: i.ownerName },
    ],
    body: joinText([
      i.lastFollowUp ? md`上次跟进：${i.lastFollowUp.slice(0, 80)}` : md`还没有任何跟进记录。`,
      i.escalation ? md`${i.ownerName} 收到提醒后仍未跟进，请关注。` : md`跟进一下，或者推迟 24 小时（每轮一次）。`,
    ]),
    buttons: i.escalation
      ? []
      : [
          { action: 'log', label: '记录跟进', style: 'primary', data: encodeActionData({ a: 'log', id: i.dealId }), command: `/跟进 ${i.dealId} ` },
          { action: 'snooze', label: '推迟24小时', style: 'default', data: encodeActionData({ a: 'snooze', id: i.dealId }), command: `/推迟 ${i.dealId}` },
          { action: 'lost', label: '标记输单', style: 'danger', data: encodeActionData({ a: 'lost', id: i.dealId }), command: `/输单 ${i.dealId} ` },
        ],
  };
}
