// Contract: no user text becomes markup. Every card and message kind is built twice — once with benign user text,
// once with each hostile string in every user slot — and rendered for every platform. The markup constructs found
// in the output (links, images, buttons, headings, tags, mentions, quotes, list items, code) must be the same in
// both; so they all came from our templates. The hostile text must still read as the user wrote it.
import { describe, expect, it } from 'vitest';
import { buildApprovalCard } from '../../cards/approval-card.js';
import { buildChoiceCard } from '../../cards/choice-card.js';
import { renderConsoleCard } from '../../cards/console/render.js';
import { buildDigestCard } from '../../cards/digest-card.js';
import { dingtalkMarkdownText, renderDingtalkMessage, renderDingtalkTemplateData } from '../../cards/dingtalk/render.js';
import { buildHandoverCard } from '../../cards/handover-card.js';
import { renderFeishuCard } from '../../cards/feishu/render.js';
import { joinText, md, type Text } from '../../cards/markup.js';
import type { Card } from '../../cards/model.js';
import { buildNudgeCard } from '../../cards/nudge-card.js';
import { renderWecomCard, renderWecomMarkdown, wecomMarkdownMessage } from '../../cards/wecom/render.js';
import { BENIGN, HOSTILE, feishuMarkup, markupCounts as counts } from './hostile-corpus.js';

const at = new Date('2026-11-25T02:32:00Z');
const tz = 'Asia/Shanghai';

/** Every card kind with `u` in every slot user text can reach. */
const kinds: Record<string, (u: string) => Card> = {
  'approval pending': (u) => approval(u, 'pending'),
  'approval rejected': (u) => approval(u, 'rejected'),
  nudge: (u) => buildNudgeCard({ dealId: 'D-3', title: u, customerName: u, ownerName: u, hoursSilent: 50, lastFollowUp: u }),
  escalation: (u) => buildNudgeCard({ dealId: 'D-3', title: u, customerName: u, ownerName: u, hoursSilent: 50, escalation: true }),
  digest: (u) =>
    buildDigestCard({
      teamName: u, date: '11-25', pipeline: [{ stage: u, count: 1, amountFen: 100 }],
      moved: { newDeals: 1, stageChanges: 0, won: 0, lost: 0, wonFen: 0 }, overdue: [{ owner: u, count: 1 }],
      approvalsWaiting: 0, conversion: [{ from: u, to: u, rate: 0.5 }], avgCycleDays: 3,
    }),
  choice: (u) => buildChoiceCard({ question: u, options: [{ label: u, command: '/查看 C-1' }, { label: u, command: '/查看 C-2' }] }),
  handover: (u) =>
    buildHandoverCard({ handoverId: 'h1', handoverNo: 'H-1', fromName: u, toName: u, createdByName: u, customerCount: 1, openDealCount: 1, status: 'pending', createdAt: at, timeZone: tz }),
};

function approval(u: string, status: 'pending' | 'rejected'): Card {
  return buildApprovalCard({
    approvalId: 'A-12', customerName: u, dealId: 'D-17', dealTitle: u, amountFen: 100, discountPercent: 5, repName: u, note: u, status, timeZone: tz,
    steps: [{ roleLabel: '经理', approverName: u, status: status === 'pending' ? 'pending' : 'rejected', ...(status === 'pending' ? {} : { decidedAt: at, comment: u }) }],
  });
}

/** Markdown messages built in services and commands (morning to-do, /待办, /查看): same shapes as theirs. */
const messages: Record<string, (u: string) => Text> = {
  'morning todo': (u) => joinText([md`早上好 ${u}，今天的待办：`, md`- ${'D-3'} ${u} · ${u}（${'报价'}）`, md`不想收到早报？发送 /设置 早报 关`]),
  'customer view': (u) => joinText([md`**${'C-1'} ${u}** · 负责人 ${u}`, md`**商机（1）**`, md`- D-1 ${u} · 报价`, md`- 11-25 电话 ${u}：${u}${md`（下一步：${u}）`}`]),
  'plain string': (u) => u,
};

/** Per platform: the strings it parses as markup (plain_text slots are not), plus its buttons and link targets. */
function dingtalkMarkup(c: Card): string {
  const m = renderDingtalkMessage(c).msgParam;
  const buttons = Object.entries(m).filter(([k]) => /URL/.test(k)).map(([k, v]) => `"${k}" ${v}`);
  return [m.text, renderDingtalkTemplateData(c).markdown, ...buttons].join('\n');
}

function wecomMarkup(c: Card): string {
  const buttons = c.buttons.length > 0 ? renderWecomCard(c, { taskId: 't' }).button_list.map((b) => `"key" ${b.key}`) : [];
  return [renderWecomMarkdown(c), ...buttons].join('\n');
}

const platforms: Record<string, { card: (c: Card) => string; message: (t: Text) => string; visible: (s: string) => string }> = {
  dingtalk: { card: dingtalkMarkup, message: (t) => dingtalkMarkdownText(t), visible: (s) => s.normalize('NFKC') },
  feishu: {
    card: (c) => feishuMarkup(renderFeishuCard(c)),
    message: (t) => feishuMarkup(renderFeishuCard({ kind: 'notice', title: 'x', state: 'info', fields: [], body: t, buttons: [] })),
    visible: (s) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&').normalize('NFKC'),
  },
  wecom: { card: wecomMarkup, message: (t) => wecomMarkdownMessage('标题', t), visible: (s) => s.normalize('NFKC') },
};

/** What the user wrote, as a reader sees it: invisible controls dropped, whitespace runs collapsed. */
const flat = (s: string) => s.replace(/\s+/g, ' ').trim();

describe.each(Object.entries(platforms))('%s: hostile user text stays text', (_p, r) => {
  describe.each(Object.entries(kinds))('%s card', (_k, build) => {
    const base = counts(r.card(build(BENIGN)));
    it.each(HOSTILE.map((h, i) => [i, h] as const))('hostile #%i makes no markup', (_i, h) => {
      const out = r.card(build(h));
      expect(counts(out)).toEqual(base);
    });
    it.each(HOSTILE.map((h, i) => [i, h] as const))('hostile #%i reads as written', (_i, h) => {
      const out = flat(r.visible(r.card(build(h))));
      // Template-card value slots are clipped; the first stretch of the string must still read as written.
      expect(out).toContain(flat(h.normalize('NFKC')).slice(0, 12));
    });
  });
  describe.each(Object.entries(messages))('%s message', (_k, build) => {
    const base = counts(r.message(build(BENIGN)));
    it.each(HOSTILE.map((h, i) => [i, h] as const))('hostile #%i makes no markup and reads as written', (_i, h) => {
      const out = r.message(build(h));
      expect(counts(out)).toEqual(base);
      expect(flat(r.visible(out))).toContain(flat(h.normalize('NFKC')));
    });
  });
});

describe('DingTalk buttons only ever send our own commands', () => {
  it.each(Object.keys(kinds))('%s', (k) => {
    const out = JSON.stringify(renderDingtalkMessage(kinds[k]!(HOSTILE[0]!)));
    const links = [...out.matchAll(/dtmd:\/\/dingtalkclient\/sendMessage\?content=([^"]*)/g)].map((m) => decodeURIComponent(m[1]!));
    for (const l of links) expect(l).toMatch(/^\/(批准|驳回|跟进|推迟|输单|查看|接收交接) [A-Z]-[0-9A-Z]+$/);
  });
});

describe('console shows user text as typed, minus terminal controls', () => {
  it.each(Object.keys(kinds))('%s', (k) => {
    const out = renderConsoleCard(kinds[k]!('名字\u001b[31m红\u202e'));
    expect(out).not.toMatch(/[\u001b\u202e]/);
    expect(out).toContain('名字[31m红');
  });
});
