// The PDF quote through chat: sent to the rep when the quote is approved, fetched again with /报价单, only by those
// who may see the deal, with the letterhead the admin set.
import { readFileSync } from 'node:fs';
import { extractText, getDocumentProxy } from 'unpdf';
import { beforeAll, describe, expect, it } from 'vitest';
import type { MailboxEntry } from '../../bots/console/mailbox.js';
import { createChat, type Chat } from '../helpers/chat.js';
import { testDriver, useTestDb } from '../helpers/db.js';

const filesIn = (entries: MailboxEntry[]) =>
  entries.flatMap((e) => (e.kind === 'message' && e.message.type === 'file' ? [{ name: e.message.fileName, path: e.savedAs! }] : []));

async function pdfText(path: string): Promise<string> {
  const doc = await getDocumentProxy(new Uint8Array(readFileSync(path)));
  return (await extractText(doc, { mergePages: true })).text.replace(/\s+/g, ' ');
}

describe(`the PDF quote through chat (${testDriver()})`, () => {
  const t = useTestDb();
  let chat: Chat;
  let dealId: string;

  beforeAll(async () => {
    chat = createChat(t());
    await chat.say('管理员', '/帮助', { role: 'admin' });
    await chat.say('吴经理', '/帮助', { role: 'manager' });
    await chat.say('郑销售', '/帮助');
    await chat.say('冯销售', '/帮助');
    await chat.say('管理员', '/设置 上级 郑销售 吴经理');
    await chat.say('郑销售', '/新客户 嘉兴紧固件 13100008888');
    dealId = /D-\d+/.exec((await chat.say('郑销售', '/新商机 嘉兴紧固件 螺栓年单 2万')).text)![0];
  });

  it('lets the admin set the letterhead, terms and validity, and says what to fix when a value will not do', async () => {
    expect((await chat.say('管理员', '/设置 报价单 抬头 嘉兴精密 五金 有限公司')).text).toContain('· 抬头：嘉兴精密 五金 有限公司');
    expect((await chat.say('管理员', '/设置 报价单 信息 地址：嘉兴市南湖区 1 号 ｜ 电话：0573-1234 5678')).text).toContain('· 信息：地址：嘉兴市南湖区 1 号 ｜ 电话：0573-1234 5678');
    expect((await chat.say('管理员', '/设置 报价单 有效期 15天')).text).toContain('· 有效期：15 天');
    expect((await chat.say('管理员', '/设置 报价单 有效期 永久')).text).toContain('有效期写成天数（1–365）');
    expect((await chat.say('管理员', `/设置 报价单 抬头 ${'长'.repeat(61)}`)).text).toContain('抬头最多 60 个字（现在 61 个）');
    expect((await chat.say('郑销售', '/设置 报价单 抬头 我的公司')).text).not.toContain('· 抬头：我的公司');
  });

  it('sends the rep the PDF when the quote is approved, and again with /报价单 — to nobody outside the deal', async () => {
    const asked = await chat.say('郑销售', `/报价 ${dealId} 2万 3% 首单优惠`);
    const approval = /A-\d+/.exec(asked.text)![0];
    expect((await chat.say('郑销售', `/报价单 ${approval}`)).text).toMatch(/报价 Q-\d+ 还在审批中，批准后才有报价单/);
    expect((await chat.say('吴经理', `/批准 ${approval}`)).text).toContain('已批准');

    const told = await chat.inbox('郑销售');
    const texts = told.map((e) => (e.kind === 'message' && e.message.type === 'text' ? e.message.text : '')).join('\n');
    const quoteNo = /\/报价单 (Q-\d+)/.exec(texts)![1]!;
    const [file] = filesIn(told);
    expect(file!.name).toBe(`报价单-${quoteNo}-嘉兴紧固件.pdf`);
    const text = await pdfText(file!.path);
    for (const s of ['嘉兴精密 五金 有限公司', '地址：嘉兴市南湖区 1 号', `报价单号：${quoteNo}`, '嘉兴紧固件', '螺栓年单', '首单优惠', '报价总额：¥20,000.00', '大写：贰万元整', '3%', '直属上级 吴经理 同意', '销售代表：郑销售']) {
      expect(text).toContain(s);
    }
    // Valid for the 15 days set above, from the approval date.
    const [, issued, until] = /报价日期：(\d{4}-\d{2}-\d{2}) 有效期至：(\d{4}-\d{2}-\d{2})/.exec(text)!;
    expect((Date.parse(until!) - Date.parse(issued!)) / 86_400_000).toBe(15);

    // Fetched again by the rep (by quote, approval or deal number) and by the manager; refused to another rep.
    for (const ref of [quoteNo, approval, dealId]) {
      const again = await chat.say('郑销售', `/报价单 ${ref}`);
      expect(again.text).toContain(`报价单 ${quoteNo}：PDF 见下一条消息`);
      expect(filesIn(again.entries)).toHaveLength(1);
    }
    expect(filesIn((await chat.say('吴经理', `/报价单 ${quoteNo}`)).entries)).toHaveLength(1);
    const stranger = await chat.say('冯销售', `/报价单 ${quoteNo}`);
    expect(stranger.text).toContain(`报价 ${quoteNo} 不属于你或你的下属，不能查看报价单`);
    expect(filesIn(stranger.entries)).toHaveLength(0);
    expect((await chat.say('冯销售', '/报价单 X-1')).text).toContain('请写报价单号 Q-3、审批号 A-12 或商机号 D-17');
    expect((await chat.say('冯销售', '/报价单 Q-999')).text).toContain('没有找到报价 Q-999');
  });
});
