// The PDF quote: rendered with the real font and read back with a real PDF parser (pdf.js through unpdf).
import { extractText, getDocumentProxy } from 'unpdf';
import { describe, expect, it } from 'vitest';
import { chineseAmount, renderQuotePdf, type QuoteDocument } from '../../src/documents/quote-pdf.js';

const sample: QuoteDocument = {
  quoteNo: 'Q-7',
  seller: { name: '宁波精工模具有限公司', lines: ['地址：宁波市北仑区大碶街道 88 号', '电话：0574-8888 6666'] },
  customer: { name: '上海华东五金有限公司', contact: '王采购', phone: '13800138000' },
  deal: { no: 'D-3', title: '注塑模具 200 套', productLine: '模具' },
  amountFen: 8_600_050,
  discountBp: 600,
  note: '含首批试模',
  issuedOn: '2026-12-03',
  validUntil: '2027-01-02',
  rep: { name: '张三' },
  terms: '1. 价格含税。\n2. 交期 30 天。',
  approvals: [
    { role: '财务', name: '钱财务', decision: '同意', at: '2026-12-03' },
    { role: '销售总监', name: '周总监', decision: '同意', at: '2026-12-03', comment: '老客户' },
  ],
};

async function textOf(pdf: Buffer): Promise<string> {
  const doc = await getDocumentProxy(new Uint8Array(pdf));
  const { text } = await extractText(doc, { mergePages: true });
  return text.replace(/\s+/g, ' ');
}

describe('the quote PDF', () => {
  it('carries the letterhead, customer, amount in figures and words, discount, validity, terms and the approval trail', async () => {
    const pdf = await renderQuotePdf(sample);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const text = await textOf(pdf);
    for (const s of ['宁波精工模具有限公司', '地址：宁波市北仑区大碶街道 88 号', '报价单号：Q-7', '有效期至：2027-01-02', '上海华东五金有限公司', '王采购', '张三', 'D-3 注塑模具 200 套',
      '含首批试模', '6%', '报价总额：¥86,000.50', '大写：捌万陆仟元伍角', '1. 价格含税。', '2. 交期 30 天。', '财务 钱财务 同意 2026-12-03', '销售总监 周总监 同意 2026-12-03 “老客户”']) {
      expect(text).toContain(s);
    }
    // Only the glyphs used are embedded: the 10 MB font becomes a few KB.
    expect(pdf.length).toBeLessThan(80_000);
  });

  it('prints what users typed as text: no links, actions or scripts, and no control characters', async () => {
    const hostile = { ...sample, customer: { name: '恶意<script>alert(1)</script>\u202e公司' }, note: '[点我](https://evil.example/x) /JavaScript (app.alert(1))' };
    const pdf = await renderQuotePdf(hostile);
    const raw = pdf.toString('latin1');
    expect(raw).not.toMatch(/\/URI|\/JavaScript\s*\(|\/JS\s|\/Launch|\/OpenAction/);
    const text = await textOf(pdf);
    expect(text).toContain('恶意<script>alert(1)</script>公司');
    expect(text).toContain('[点我](https://evil.example/x)');
    expect(text).not.toContain('\u202e');
  });

  it.each([
    [0, '零元整'],
    [5, '伍分'],
    [105, '壹元零伍分'],
    [1_000, '壹拾元整'],
    [6_000_000, '陆万元整'],
    [1_000_500, '壹万零伍元整'],
    [100_001_000, '壹佰万零壹拾元整'],
    [10_001_000_000, '壹亿零壹万元整'],
    [10_000_000_500, '壹亿零伍元整'],
    [1_234_567_890, '壹仟贰佰叁拾肆万伍仟陆佰柒拾捌元玖角'],
    [8_600_050, '捌万陆仟元伍角'], [8_600_005, '捌万陆仟元零伍分'],
  ])('writes %i fen in capitals as %s', (fen, words) => {
    expect(chineseAmount(fen)).toBe(words);
  });
});
