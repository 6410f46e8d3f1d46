// Each renderer's output pinned by snapshots, so a change to a card is a reviewed change, plus what is particular to
// one renderer. What every renderer must do (limits, title/fields/buttons, action data round-trip, escaping) is the
// contract in renderers.contract.test.ts.
import { describe, expect, it } from 'vitest';
import { consoleText, renderConsoleCard } from '../../cards/console/render.js';
import { md, ours } from '../../cards/markup.js';
import { renderDingtalkMessage, renderDingtalkTemplateData } from '../../cards/dingtalk/render.js';
import { renderFeishuCard } from '../../cards/feishu/render.js';
import { WECOM_LIMITS } from '../../cards/wecom/limits.js';
import { renderWecomCard, renderWecomMarkdown } from '../../cards/wecom/render.js';
import { digest, samples } from './card-samples.js';

const bytes = (s: string) => Buffer.byteLength(s);

describe('WeCom renderer', () => {
  for (const [name, card] of Object.entries(samples)) {
    it(`pins ${name}`, () => {
      if (card.buttons.length === 0) {
        expect(renderWecomMarkdown(card)).toMatchSnapshot();
        return;
      }
      expect(renderWecomCard(card, { taskId: 'crm-approval-0123456789abcdef' })).toMatchSnapshot();
    });
  }
  it('cuts a huge digest to the group-robot limit on a character boundary', () => {
    const md = renderWecomMarkdown(digest(2000), WECOM_LIMITS.robotMarkdownBytes);
    expect(bytes(md)).toBeLessThanOrEqual(WECOM_LIMITS.robotMarkdownBytes);
    // The body is cut; the dashboard link after it is kept whole.
    expect(md).toContain('…\n\n[打开销售看板，查看详情](https://crm.example.cn/app/auth/feishu)');
    expect(md.endsWith('(https://crm.example.cn/app/auth/feishu)')).toBe(true);
  });
});

describe('Feishu renderer (card JSON 2.0)', () => {
  for (const [name, card] of Object.entries(samples)) {
    it(`pins ${name}`, () => {
      expect(renderFeishuCard(card)).toMatchSnapshot();
    });
  }
  it('escapes markup in user text as entities', () => {
    expect(JSON.stringify(renderFeishuCard(samples['approval pending']!))).toContain('&lt;含运费&gt;');
  });
});

describe('DingTalk renderer', () => {
  for (const [name, card] of Object.entries(samples)) {
    it(`pins ${name} as a robot message and as template variables`, () => {
      expect({ m: renderDingtalkMessage(card), vars: renderDingtalkTemplateData(card) }).toMatchSnapshot();
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
