// Renderer contract: every card kind renders on every platform within the limits the platforms document
// (../shared/platforms.md), and the JSON is pinned by snapshots so a change to a card is a reviewed change.
import { describe, expect, it } from 'vitest';
import { buildApprovalCard } from '../../cards/approval-card.js';
import { buildChoiceCard } from '../../cards/choice-card.js';
import { consoleText, renderConsoleCard } from '../../cards/console/render.js';
import { md, ours } from '../../cards/markup.js';
import { buildDigestCard } from '../../cards/digest-card.js';
import { DINGTALK_LIMITS } from '../../cards/dingtalk/limits.js';
import { renderDingtalkMessage, renderDingtalkTemplateData } from '../../cards/dingtalk/render.js';
import { FEISHU_COLOURS, FEISHU_LIMITS } from '../../cards/feishu/limits.js';
import { renderFeishuCard } from '../../cards/feishu/render.js';
import type { Card } from '../../cards/model.js';
import { buildNudgeCard } from '../../cards/nudge-card.js';
import { WECOM_LIMITS } from '../../cards/wecom/limits.js';
import { renderWecomCard, renderWecomMarkdown } from '../../cards/wecom/render.js';

const at = new Date('2026-11-25T02:32:00Z');
const approval = (status: 'pending' | 'approved' | 'rejected') =>
  buildApprovalCard({
    approvalId: 'A-12', customerName: '宁波永固阀门有限公司', dealId: 'D-17', dealTitle: 'DN50 球阀年度框架', amountFen: 8_600_000, discountPercent: 6,
    repName: '张三', note: '年度框架 <含运费>', status, timeZone: 'Asia/Shanghai',
    steps: [
      { roleLabel: '财务', approverName: '李四', status: status === 'pending' ? 'pending' : 'approved', ...(status === 'pending' ? {} : { decidedAt: at }) },
      { roleLabel: '技术', approverName: '王五', status: status === 'rejected' ? 'rejected' : status === 'approved' ? 'approved' : 'pending', ...(status === 'pending' ? {} : { decidedAt: at }), ...(status === 'rejected' ? { comment: '交期不够' } : {}) },
    ],
  });
const digest = (owners: number) =>
  buildDigestCard({
    teamName: '华东销售一组', date: '11-25',
    pipeline: ['线索', '初访', '方案', '报价'].map((stage, i) => ({ stage, count: 10 - i, amountFen: (i + 1) * 1_234_500 })),
    moved: { newDeals: 3, stageChanges: 5, won: 1, lost: 1, wonFen: 5_000_000 },
    overdue: Array.from({ length: owners }, (_, i) => ({ owner: `销售${i + 1}号`, count: (i % 5) + 1 })),
    approvalsWaiting: 2,
    conversion: [{ from: '线索', to: '初访', rate: 0.5 }, { from: '报价', to: '签约', rate: null }],
    avgCycleDays: 34,
  });

const samples: Record<string, Card> = {
  'approval pending': approval('pending'),
  'approval approved': approval('approved'),
  'approval rejected': approval('rejected'),
  'approval withdrawn': buildApprovalCard({
    approvalId: 'A-13', customerName: '宁波永固阀门有限公司', dealId: 'D-17', dealTitle: 'DN50 球阀年度框架', amountFen: 8_600_000, discountPercent: 0,
    repName: '张三', note: '', status: 'withdrawn', withdrawnAt: at, timeZone: 'Asia/Shanghai',
    steps: [
      { roleLabel: '财务', approverName: '李四', status: 'approved', decidedAt: at },
      { roleLabel: '技术', approverName: '王五', status: 'skipped' },
    ],
  }),
  nudge: buildNudgeCard({ dealId: 'D-17', title: 'DN50 球阀', customerName: '永固阀门', ownerName: '张三', hoursSilent: 50, lastFollowUp: '电话沟通了规格' }),
  escalation: buildNudgeCard({ dealId: 'D-17', title: 'DN50 球阀', customerName: '永固阀门', ownerName: '张三', hoursSilent: 80, escalation: true }),
  digest: digest(8),
  choice: buildChoiceCard({ question: '有 9 个客户叫「永固」，你指的是：', options: Array.from({ length: 9 }, (_, i) => ({ label: `永固${i + 1}厂`, command: `/客户 C-${i + 1}` })) }),
};

const bytes = (s: string) => Buffer.byteLength(s);
const chars = (s: string) => Array.from(s).length;

describe('WeCom renderer', () => {
  for (const [name, card] of Object.entries(samples)) {
    it(`renders ${name} within the documented limits`, () => {
      if (card.buttons.length === 0) {
        const md = renderWecomMarkdown(card);
        expect(bytes(md)).toBeLessThanOrEqual(WECOM_LIMITS.appMarkdownBytes);
        expect(md).toContain(card.title);
        expect(md).toMatchSnapshot();
        return;
      }
      const c = renderWecomCard(card, { taskId: 'crm-approval-0123456789abcdef' });
      expect(c.card_type).toBe('button_interaction');
      expect(c.task_id).toMatch(/^[A-Za-z0-9_\-@]{1,128}$/);
      expect(chars(c.main_title.title)).toBeLessThanOrEqual(WECOM_LIMITS.title);
      expect(c.button_list.length).toBeGreaterThanOrEqual(1);
      expect(c.button_list.length).toBeLessThanOrEqual(WECOM_LIMITS.buttons);
      for (const b of c.button_list) {
        expect(bytes(b.key)).toBeLessThanOrEqual(WECOM_LIMITS.buttonKeyBytes);
        expect([1, 2, 3, 4]).toContain(b.style);
        expect(chars(b.text)).toBeLessThanOrEqual(WECOM_LIMITS.buttonText);
      }
      for (const f of c.horizontal_content_list ?? []) {
        expect(chars(f.keyname)).toBeLessThanOrEqual(WECOM_LIMITS.keyname);
        expect(chars(f.value)).toBeLessThanOrEqual(WECOM_LIMITS.value);
      }
      expect(c).toMatchSnapshot();
    });
  }
  it('cuts a huge digest to the group-robot limit on a character boundary', () => {
    const md = renderWecomMarkdown(digest(2000), WECOM_LIMITS.robotMarkdownBytes);
    expect(bytes(md)).toBeLessThanOrEqual(WECOM_LIMITS.robotMarkdownBytes);
    expect(md.endsWith('…')).toBe(true);
  });
});

describe('Feishu renderer (card JSON 2.0)', () => {
  for (const [name, card] of Object.entries(samples)) {
    it(`renders ${name} as a valid shared 2.0 card`, () => {
      const c = renderFeishuCard(card) as any;
      expect(c.schema).toBe('2.0');
      expect(c.config.update_multi).toBe(true);
      expect(c.header.title).toEqual({ tag: 'plain_text', content: expect.any(String) });
      expect(FEISHU_COLOURS).toContain(c.header.template);
      expect(bytes(JSON.stringify(c))).toBeLessThanOrEqual(FEISHU_LIMITS.cardBytes);
      const buttons = c.body.elements.filter((e: any) => e.tag === 'column_set').flatMap((s: any) => s.columns.map((col: any) => col.elements[0]));
      expect(buttons).toHaveLength(card.buttons.length);
      for (const b of buttons) {
        expect(b.tag).toBe('button');
        expect(['primary', 'danger', 'default']).toContain(b.type);
        // The SDKs accept only object values on callback buttons.
        expect(b.behaviors[0]).toEqual({ type: 'callback', value: { d: expect.any(String) } });
      }
      expect(c).toMatchSnapshot();
    });
  }
  it('escapes markup in user text and keeps a giant digest under 30 KB', () => {
    expect(JSON.stringify(renderFeishuCard(samples['approval pending']!))).toContain('&lt;含运费&gt;');
    const big = renderFeishuCard(digest(5000));
    expect(bytes(JSON.stringify(big))).toBeLessThanOrEqual(FEISHU_LIMITS.cardBytes);
  });
});

describe('DingTalk renderer', () => {
  for (const [name, card] of Object.entries(samples)) {
    it(`renders ${name} as a robot message and as template variables`, () => {
      const m = renderDingtalkMessage(card);
      expect(Buffer.byteLength(JSON.stringify(m.msgParam))).toBeLessThanOrEqual(DINGTALK_LIMITS.msgParamBytes);
      const n = Math.min(card.buttons.length, DINGTALK_LIMITS.actionCardButtons);
      expect(m.msgKey).toBe(n === 0 ? 'sampleMarkdown' : n === 1 ? 'sampleActionCard' : `sampleActionCard${n}`);
      for (let i = 1; i <= (n > 1 ? n : 0); i++) {
        const url = new URL(m.msgParam[`actionURL${i}`]!);
        expect(url.href.startsWith('dtmd://dingtalkclient/sendMessage?content=')).toBe(true);
        expect(url.searchParams.get('content')).toBe(card.buttons[i - 1]!.command!.trim());
      }
      // Options beyond the fifth button stay reachable as typed commands.
      for (const b of card.buttons.slice(DINGTALK_LIMITS.actionCardButtons)) expect(m.msgParam.text).toContain(b.command!);
      const vars = renderDingtalkTemplateData(card);
      for (const v of Object.values(vars)) expect(typeof v).toBe('string');
      expect(vars.hasButtons).toBe(card.buttons.length > 0 ? 'true' : 'false');
      expect({ m, vars }).toMatchSnapshot();
    });
  }
});

describe('Console renderer', () => {
  it('numbers the buttons and shows the footer of a resolved card', () => {
    expect(renderConsoleCard(samples['approval pending']!)).toContain('[1] 批准  [2] 驳回');
    expect(renderConsoleCard(samples['approval rejected']!)).toContain('已驳回');
  });

  it('shows one icon before a title: the card’s own (⚠️ 升级提醒, 📊 战报) or else the state’s', () => {
    expect(renderConsoleCard(samples.escalation!).split('\n')[0]).toBe('┌ ⚠️ 升级提醒：D-17 已 3 天没有跟进');
    expect(renderConsoleCard(samples.nudge!).split('\n')[0]).toBe('┌ ⏰ D-17 已 2 天没有跟进');
    expect(renderConsoleCard(samples.digest!).split('\n')[0]).toBe('┌ 📊 华东销售一组 每日战报 11-25');
    expect(renderConsoleCard(samples['approval pending']!).split('\n')[0]).toBe('┌ ⏳ 报价审批 A-12');
    for (const card of Object.values(samples)) {
      const heads = [renderConsoleCard(card).split('\n')[0]!, (renderDingtalkMessage(card).msgParam.text ?? renderDingtalkMessage(card).msgParam.markdown ?? '').split('\n')[0]!];
      for (const head of heads) expect(head, head).not.toMatch(/\p{Extended_Pictographic}\uFE0F?\s*\p{Extended_Pictographic}/u);
    }
  });

  it('renders our markup for the terminal: no raw ** (bold only on a TTY), user text exactly as typed', () => {
    const plain = renderConsoleCard(samples['approval pending']!);
    expect(plain).not.toContain('**');
    expect(plain).toContain('│ 备注：年度框架 <含运费>');
    expect(plain).toContain('│ 审批进度');
    expect(plain).not.toContain('\u001b');
    const tty = renderConsoleCard(samples['approval pending']!, 1, { ansi: true });
    expect(tty).toContain('\u001b[1m备注\u001b[22m：年度框架 <含运费>');
    expect(tty).toContain('\u001b[1m审批进度\u001b[22m');
    // Bold around a user's name spans the user part; what the user typed (**, #, a link, an ESC) is never markup.
    const typed = '**大客户** # [点我](http://x.cn) \u001b[31m红';
    expect(consoleText(md`- **${typed}**：3 个`, { ansi: true })).toBe('- \u001b[1m**大客户** # [点我](http://x.cn) [31m红\u001b[22m：3 个');
    expect(consoleText(md`- **${typed}**：3 个`)).toBe('- **大客户** # [点我](http://x.cn) [31m红：3 个');
    // Our own heading and link read as text.
    expect(consoleText(ours('## 今日待办\n[查看](https://example.cn/d/3)'))).toBe('今日待办\n查看（https://example.cn/d/3）');
  });
});
