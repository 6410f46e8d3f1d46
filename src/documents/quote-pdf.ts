// The PDF quote (报价单) a rep receives when a quote is approved, and again with /报价单 Q-n.
// Pure: data in, PDF bytes out. Chinese text is set in Noto Sans SC (an npm font package); pdfkit embeds only the
// glyphs used (a subset), so a one-page quote stays around 10–30 KB although the font file is 10 MB.
// Every string is drawn as text: nothing a user typed can become a link, an action or markup in the PDF.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { stripInvisible } from '../../cards/escape.js';
import { formatFen } from '../domain/money.js';

const require = createRequire(import.meta.url);
const FONT_FILES = {
  regular: '@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf',
  bold: '@expo-google-fonts/noto-sans-sc/700Bold/NotoSansSC_700Bold.ttf',
} as const;
let fonts: { regular: Buffer; bold: Buffer } | undefined;
/** Read once per process (two 10 MB files); pdfkit parses and subsets them per document. */
function fontData() {
  fonts ??= { regular: readFileSync(require.resolve(FONT_FILES.regular)), bold: readFileSync(require.resolve(FONT_FILES.bold)) };
  return fonts;
}

export interface QuoteDocument {
  /** */
  quoteNo: string;
  seller: { name: string; lines: string[] };
  customer: { name: string; contact?: string; phone?: string };
  deal: { no: string; title: string; productLine?: string };
  amountFen: number;
  discountBp: number;
  note?: string;
  /** Local dates, already formatted (YYYY-MM-DD). */
  issuedOn: string;
  validUntil: string;
  rep: { name: string };
  terms: string;
  approvals: Array<{ role: string; name: string; decision: string; at?: string; comment?: string }>;
}

const MARGIN = 50;
const GREY = '#666666';
const LINE = '#cccccc';

/** Control and bidi-override characters have no business in a printed quote (the chat's own filter). */
const clean = (s: string) => stripInvisible(s).trim();

export async function renderQuotePdf(q: QuoteDocument): Promise<Buffer> {
  // Loaded on the first quote, not at start-up (pdfkit and its font engine take ~0.25 s to import).
  const { default: PDFDocument } = await import('pdfkit');
  const f = fontData();
  const doc = new PDFDocument({
    size: 'A4',
    margin: MARGIN,
    info: { Title: `报价单 ${q.quoteNo}`, Author: clean(q.seller.name), Subject: clean(q.customer.name), Creator: 'ChatCRM' },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((resolve, reject) => {
    doc.on('end', () => resolve());
    doc.on('error', reject);
  });
  doc.registerFont('regular', f.regular);
  doc.registerFont('bold', f.bold);
  const width = doc.page.width - MARGIN * 2;
  const rule = () => {
    const y = doc.y + 4;
    doc.moveTo(MARGIN, y).lineTo(MARGIN + width, y).lineWidth(0.5).strokeColor(LINE).stroke();
    doc.y = y + 8;
  };

  // Letterhead
  doc.font('bold').fontSize(16).fillColor('black').text(clean(q.seller.name), { width, align: 'center' });
  for (const l of q.seller.lines.map(clean).filter(Boolean)) doc.font('regular').fontSize(9).fillColor(GREY).text(l, { width, align: 'center' });
  doc.moveDown(0.6);
  doc.font('bold').fontSize(20).fillColor('black').text('报 价 单', { width, align: 'center', characterSpacing: 2 });
  doc.moveDown(0.4);
  doc.font('regular').fontSize(10).fillColor(GREY).text(`报价单号：${q.quoteNo}    报价日期：${q.issuedOn}    有效期至：${q.validUntil}`, { width, align: 'center' });
  doc.moveDown(0.5);
  rule();

  // Parties
  const pair = (label: string, value: string) => {
    doc.font('bold').fontSize(11).fillColor('black').text(`${label}：`, { continued: true }).font('regular').text(clean(value) || '—');
  };
  pair('客户', q.customer.name);
  if (q.customer.contact || q.customer.phone) pair('联系人', [q.customer.contact, q.customer.phone].filter(Boolean).join('  '));
  pair('销售代表', q.rep.name);
  pair('商机', `${q.deal.no} ${q.deal.title}`);
  doc.moveDown(0.5);

  // Items: one line for the deal (the quote carries a total, not a price list), with the note as its description.
  const cols = [{ w: 0.08, t: '序号' }, { w: 0.52, t: '项目 / 说明' }, { w: 0.15, t: '折扣' }, { w: 0.25, t: '金额（元）' }];
  const row = (cells: string[], font: 'regular' | 'bold') => {
    const top = doc.y;
    let x = MARGIN;
    let bottom = top;
    cells.forEach((c, i) => {
      const w = cols[i]!.w * width;
      doc.font(font).fontSize(10).fillColor('black').text(c, x + 4, top + 4, { width: w - 8, align: i === 3 ? 'right' : 'left' });
      bottom = Math.max(bottom, doc.y);
      x += w;
    });
    doc.moveTo(MARGIN, bottom + 4).lineTo(MARGIN + width, bottom + 4).lineWidth(0.5).strokeColor(LINE).stroke();
    doc.x = MARGIN;
    doc.y = bottom + 6;
  };
  row(cols.map((c) => c.t), 'bold');
  const item = [clean(q.deal.title), q.deal.productLine ? `产品线：${clean(q.deal.productLine)}` : '', q.note ? clean(q.note) : ''].filter(Boolean).join('\n');
  const discount = q.discountBp > 0 ? `${q.discountBp / 100}%` : '无';
  row(['1', item, discount, formatFen(q.amountFen).replace('¥', '')], 'regular');
  doc.moveDown(0.3);
  doc.font('bold').fontSize(12).text(`报价总额：${formatFen(q.amountFen)}`, MARGIN, doc.y, { width, align: 'right' });
  doc.font('regular').fontSize(10).fillColor(GREY).text(`大写：${chineseAmount(q.amountFen)}`, { width, align: 'right' });
  if (q.discountBp > 0) doc.text(`已含优惠折扣 ${q.discountBp / 100}%`, { width, align: 'right' });
  doc.fillColor('black').moveDown(0.8);

  // Terms
  doc.font('bold').fontSize(11).text('条款与说明', MARGIN, doc.y, { width });
  doc.font('regular').fontSize(10).text(clean(q.terms), { width, lineGap: 2 });
  doc.text(`本报价有效期至 ${q.validUntil}，逾期请重新询价。`, { width });
  doc.moveDown(0.8);

  // Approval trail
  doc.font('bold').fontSize(11).text('审批记录', { width });
  for (const a of q.approvals) {
    const line = [a.role, clean(a.name), a.decision, a.at ?? '', a.comment ? `“${clean(a.comment)}”` : ''].filter(Boolean).join('  ');
    doc.font('regular').fontSize(10).text(line, { width });
  }
  doc.moveDown(1.2);
  doc.font('regular').fontSize(10).text(`${clean(q.seller.name)}（盖章）`, { width, align: 'right' });
  doc.text(`日期：${q.issuedOn}`, { width, align: 'right' });
  doc.end();
  await done;
  return Buffer.concat(chunks);
}

const DIGITS = '零壹贰叁肆伍陆柒捌玖';
const UNITS = ['', '拾', '佰', '仟'];
const GROUPS = ['', '万', '亿'];

/** 人民币大写: 86000.50 元 → 捌万陆仟元伍角整 style (角/分 shown when present). Integer fen in, no floats. */
export function chineseAmount(fen: number): string {
  if (fen === 0) return '零元整';
  const yuan = Math.floor(fen / 100);
  const jiao = Math.floor((fen % 100) / 10);
  const fenPart = fen % 10;
  let out = '';
  if (yuan > 0) {
    const groups: number[] = [];
    for (let n = yuan; n > 0; n = Math.floor(n / 10_000)) groups.push(n % 10_000);
    let zeroPending = false;
    for (let g = groups.length - 1; g >= 0; g--) {
      const v = groups[g]!;
      if (v === 0) {
        zeroPending = out.length > 0;
        continue;
      }
      if (zeroPending || (out.length > 0 && v < 1000)) out += '零';
      zeroPending = false;
      let s = '';
      let zero = false;
      for (let i = 3; i >= 0; i--) {
        const d = Math.floor(v / 10 ** i) % 10;
        if (d === 0) {
          zero = s.length > 0;
          continue;
        }
        if (zero) s += '零';
        zero = false;
        s += DIGITS[d]! + UNITS[i]!;
      }
      out += s + GROUPS[g]!;
    }
    out += '元';
  }
  if (jiao === 0 && fenPart === 0) return `${out}整`;
  if (jiao > 0) out += `${DIGITS[jiao]}角`;
  else if (yuan > 0) out += '零';
  if (fenPart > 0) out += `${DIGITS[fenPart]}分`;
  return out;
}
