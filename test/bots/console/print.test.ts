// Several cards printed together: every button has its own number and each maps to its own card.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { printEntries } from '../../../bots/console/print.js';
import type { MailboxEntry } from '../../../bots/console/mailbox.js';
import type { Card } from '../../../cards/model.js';

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
