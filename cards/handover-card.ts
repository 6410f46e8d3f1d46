// The handover (离职交接) card for the receiver: pending (with 接收 and the typed fallback) and confirmed, from one builder.
import { encodeActionData } from './action-data.js';
import { shortTime } from './format.js';
import { joinText, md } from './markup.js';
import type { Card } from './model.js';

export interface HandoverCardInput {
  /** The handover's full id (carried by the button). */
  handoverId: string;
  /** Human number shown and typed: H-1A2B3C4D. */
  handoverNo: string;
  fromName: string;
  toName: string;
  createdByName: string;
  customerCount: number;
  openDealCount: number;
  status: 'pending' | 'confirmed' | 'cancelled';
  createdAt: Date;
  confirmedAt?: Date | null;
  timeZone: string;
}

export function buildHandoverCard(i: HandoverCardInput): Card {
  const card: Card = {
    kind: 'handover',
    title: `离职交接 ${i.handoverNo}`,
    subtitle: `${i.fromName} → ${i.toName}`,
    state: i.status === 'pending' ? 'pending' : i.status === 'confirmed' ? 'success' : 'neutral',
    fields: [
      { label: '离职人', value: i.fromName },
      { label: '接手人', value: i.toName },
      { label: '客户', value: `${i.customerCount} 个` },
      { label: '进行中商机', value: `${i.openDealCount} 个` },
      { label: '发起人', value: `${i.createdByName} ${shortTime(i.createdAt, i.timeZone)}` },
    ],
    buttons: [],
  };
  if (i.status === 'pending') {
    card.body = joinText([
      md`${i.createdByName} 把 ${i.fromName} 的客户交接给你。`,
      md`接收后，这些客户、商机和待跟进事项都转到你名下，历史跟进记录保留并可查看。`,
      md`也可以直接发送：/接收交接 ${i.handoverNo}`,
    ]);
    card.buttons = [
      {
        action: 'confirm_handover',
        label: '接收',
        style: 'primary',
        data: encodeActionData({ a: 'confirm_handover', id: i.handoverId }),
        command: `/接收交接 ${i.handoverNo}`,
      },
    ];
    return card;
  }
  card.footer =
    i.status === 'confirmed'
      ? `已接收 · ${i.toName}${i.confirmedAt ? ` ${shortTime(i.confirmedAt, i.timeZone)}` : ''}`
      : '已取消';
  return card;
}
