import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { CsvFormatError, decodeBytes, parseCsv } from '../../src/import/decode.js';

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
