import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { detectFileEncoding, readCsvRecords } from '../../src/import/csv-stream.js';
import { CsvFormatError, decodeBytes, parseCsv, type CsvRecord } from '../../src/import/decode.js';

describe('CSV decoding', () => {
  const text = '公司名称,电话\r\n宁波永固阀门有限公司,13800138000\r\n';

  it('detects UTF-8 with BOM, plain UTF-8 and GBK', () => {
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]);
    expect(decodeBytes(bom)).toEqual({ text, encoding: 'utf-8-bom' });
    expect(decodeBytes(Buffer.from(text, 'utf8'))).toEqual({ text, encoding: 'utf-8' });
    expect(decodeBytes(iconv.encode(text, 'gbk'))).toEqual({ text, encoding: 'gbk' });
  });

  it('keeps file line numbers across quoted newlines and blank lines', () => {
    const records = parseCsv('公司名称,备注\r\n甲公司,"两行\r\n备注"\r\n\r\n乙公司,"引号""内"\n丙公司\n');
    expect(records).toEqual([
      { line: 1, cells: ['公司名称', '备注'] },
      { line: 2, cells: ['甲公司', '两行\n备注'] },
      { line: 5, cells: ['乙公司', '引号"内'] },
      { line: 6, cells: ['丙公司'] },
    ]);
  });

  it('reads tab-separated exports and reports an unclosed quote in Chinese', () => {
    expect(parseCsv('公司名称\t电话\n甲公司\t123')).toEqual([
      { line: 1, cells: ['公司名称', '电话'] },
      { line: 2, cells: ['甲公司', '123'] },
    ]);
    expect(() => parseCsv('公司名称\n"甲公司\n')).toThrow(CsvFormatError);
    expect(() => parseCsv('公司名称\n"甲公司\n')).toThrow(/引号/);
  });

  it("reads back the export's formula guard: a leading apostrophe before = + - @ is dropped, others are kept", () => {
    expect(parseCsv(`公司名称,电话,标签\n'=1+1,'+86 138,'@群\n'-负面,'普通,it's\n`)).toEqual([
      { line: 1, cells: ['公司名称', '电话', '标签'] },
      { line: 2, cells: ['=1+1', '+86 138', '@群'] },
      { line: 3, cells: ['-负面', "'普通", "it's"] },
    ]);
  });
});

describe('CSV files read in pieces (csv-stream.ts)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'chatcrm-csv-'));
  const file = (name: string, bytes: Buffer) => {
    const path = join(dir, name);
    writeFileSync(path, bytes);
    return path;
  };
  const readAll = async (path: string) => {
    const f = await detectFileEncoding(path);
    const out: CsvRecord[] = [];
    const seen: number[] = [];
    for await (const r of readCsvRecords(f, (n) => seen.push(n))) out.push(r);
    return { encoding: f.encoding, totalBytes: f.totalBytes, records: out, lastBytes: seen.at(-1) };
  };
  // 60,000 rows (~2 MB): many 128 KB pieces, so "\r\n", GBK's two-byte characters and UTF-8's three-byte ones
  // fall across piece boundaries somewhere; quoted newlines, blank lines and a lone "\r" line end in between.
  it('gives the same records and line numbers as parseCsv, in GBK, UTF-8 and UTF-8 with BOM', async () => {
    const rows = Array.from({ length: 60_000 }, (_, i) => `宁波第${i}阀门厂,1380000${i},${i % 7 === 0 ? '"引号""内"' : '五金'}`);
    const body = `公司名称,电话,备注\r\n甲公司,"13800138000","两行\r\n备注"\r\n\r\n${rows.slice(0, 30_000).join('\r\n')}\r${rows.slice(30_000).join('\n')}\r\n`;
    const expected = parseCsv(body);
    expect(expected).toHaveLength(60_002);
    expect(expected[1]).toEqual({ line: 2, cells: ['甲公司', '13800138000', '两行\n备注'] });
    for (const [name, bytes, encoding] of [
      ['gbk.csv', iconv.encode(body, 'gbk'), 'gbk'],
      ['utf8.csv', Buffer.from(body, 'utf8'), 'utf-8'],
      ['bom.csv', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(body, 'utf8')]), 'utf-8-bom'],
    ] as const) {
      const got = await readAll(file(name, bytes));
      expect(got.encoding).toBe(encoding);
      expect(got.totalBytes).toBe(bytes.length);
      expect(got.lastBytes).toBe(bytes.length);
      expect(got.records).toEqual(expected);
    }
  });

  it('reports an unclosed quote with its line, and refuses UTF-16', async () => {
    const body = `公司名称,电话\n${'甲公司,1\n'.repeat(40_000)}"乙公司,2\n丙公司,3\n`;
    const broken = file('broken.csv', Buffer.from(body));
    await expect(readAll(broken)).rejects.toThrow(CsvFormatError);
    // The same line as the whole-text parser names (where the parser gave up: the end of the file).
    await expect(readAll(broken)).rejects.toThrow('CSV 文件第 40003 行附近有一个引号（"）没有配对关闭，请在 Excel 中检查后重新保存。');
    expect(() => parseCsv(body)).toThrow('CSV 文件第 40003 行附近有一个引号（"）没有配对关闭');
    await expect(readAll(file('utf16.csv', Buffer.from([0xff, 0xfe, 0x6c, 0x51])))).rejects.toThrow(/UTF-16/);
  });
});
