// Several cards printed together: every button has its own number and each maps to its own card.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { printEntries, toastToPrint } from '../../../bots/console/print.js';
import { joinText, md } from '../../../cards/markup.js';
import type { MailboxEntry } from '../../../bots/console/mailbox.js';
import type { Card } from '../../../cards/model.js';
import type { OutboundMessage } from '../../../src/adapter.js';

const approval = (id: string): Card => ({
  kind: 'approval',
  title: `报价审批 ${id}`,
  state: 'pending',
  fields: [],
  buttons: [
    { label: '批准', action: 'approve', data: `${id}:ok`, style: 'primary' },
    { label: '驳回', action: 'reject', data: `${id}:no`, style: 'danger' },
  ],
});
const entry = (id: string): MailboxEntry => ({ kind: 'message', at: '2026-11-24T02:00:00.000Z', cardRef: `财务#${id}`, message: { type: 'card', card: approval(id) } });

describe('console: buttons numbered across all cards shown at once', () => {
  afterEach(() => vi.restoreAllMocks());

  it('numbers A-3 as [1] [2] and A-4 as [3] [4], and keeps all four live', () => {
    const out: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((s: unknown) => void out.push(String(s)));
    const buttons = printEntries([entry('A-3'), entry('A-4')]);
    const text = out.join('\n');
    expect(text).toMatch(/报价审批 A-3[\s\S]*\[1\] 批准  \[2\] 驳回[\s\S]*报价审批 A-4[\s\S]*\[3\] 批准  \[4\] 驳回/);
    expect(buttons.map((b) => [b.button.data, b.cardRef])).toEqual([
      ['A-3:ok', '财务#A-3'],
      ['A-3:no', '财务#A-3'],
      ['A-4:ok', '财务#A-4'],
      ['A-4:no', '财务#A-4'],
    ]);
    // Printed after other cards (a group's mailbox after the personal one), numbering continues.
    out.length = 0;
    expect(printEntries([entry('A-5')], { from: '华东群', startAt: 5 })).toHaveLength(2);
    expect(out.join('\n')).toContain('［华东群］');
    expect(out.join('\n')).toContain('[5] 批准  [6] 驳回');
  });
});

describe('console: messages read as text, toasts said once', () => {
  afterEach(() => vi.restoreAllMocks());
  const capture = () => {
    const out: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((s: unknown) => void out.push(String(s)));
    return out;
  };
  const message = (m: OutboundMessage): MailboxEntry => ({
    kind: 'message', at: '2026-11-24T02:00:00.000Z', cardRef: '张三#1', message: m,
  });

  it('prints a markdown message without raw ** (plain off a TTY, ANSI bold on one), user text as typed', () => {
    const entry = message({ type: 'markdown', title: '今日待办', text: joinText([md`**该跟进的商机（1）**`, md`- D-3 ${'**华东五金**'} · 球阀`]) });
    const out = capture();
    printEntries([entry], { style: { ansi: false } });
    expect(out[0]).toBe('【今日待办】\n该跟进的商机（1）\n- D-3 **华东五金** · 球阀');
    out.length = 0;
    printEntries([entry], { style: { ansi: true } });
    expect(out[0]).toBe('【今日待办】\n\u001b[1m该跟进的商机（1）\u001b[22m\n- D-3 **华东五金** · 球阀');
  });

  it('drops a toast whose words also arrived as a message, keeps one that did not', () => {
    const reply = message({ type: 'text', text: '已批准 A-3，审批已全部通过，已通知 张三。' });
    expect(toastToPrint('已批准 A-3，审批已全部通过，已通知 张三。', [reply])).toBeUndefined();
    expect(toastToPrint('这张卡片已过期，请重新操作', [reply])).toBe('这张卡片已过期，请重新操作');
    expect(toastToPrint(undefined, [reply])).toBeUndefined();
    expect(toastToPrint('已接收交接', [])).toBe('已接收交接');
  });
});
