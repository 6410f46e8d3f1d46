// Reading spreadsheet exports: detect UTF-8 (with or without BOM) vs GBK, then split CSV into records that keep
// their file line numbers (header = line 1), so every message can point at the line the user must fix.
import { parse } from 'csv-parse/sync';
import iconv from 'iconv-lite';
import { gateText } from '../domain/text-gate.js';

export type DetectedEncoding = 'utf-8-bom' | 'utf-8' | 'gbk';

export interface DecodedText {
  text: string;
  encoding: DetectedEncoding;
}

export interface CsvRecord {
  /** 1-based line in the file where the record starts. */
  line: number;
  cells: string[];
}

export class CsvFormatError extends Error {
  constructor(
    readonly line: number | undefined,
    readonly userMessage: string,
  ) {
    super(userMessage);
    this.name = 'CsvFormatError';
  }
}

const UTF8_BOM = [0xef, 0xbb, 0xbf] as const;

/**
 * UTF-8 with BOM (Excel "CSV UTF-8"), plain UTF-8, or — when the bytes are not valid UTF-8 — GBK (Excel's
 * default "CSV" on Chinese Windows). GBK is decoded as GB18030, its superset, so rare characters survive too.
 */
export function decodeBytes(bytes: Uint8Array): DecodedText {
  if (bytes.length >= 3 && bytes[0] === UTF8_BOM[0] && bytes[1] === UTF8_BOM[1] && bytes[2] === UTF8_BOM[2]) {
    return { text: new TextDecoder('utf-8').decode(bytes.subarray(3)), encoding: 'utf-8-bom' };
  }
  if (bytes.length >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))) {
    throw new CsvFormatError(undefined, '文件是 UTF-16 编码（Excel 的“Unicode 文本”），请在 Excel 里另存为“CSV UTF-8（逗号分隔）”后再导入。');
  }
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), encoding: 'utf-8' };
  } catch {
    return { text: iconv.decode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), 'gb18030'), encoding: 'gbk' };
  }
}

/** Comma unless the header line clearly uses tabs or semicolons (some exports do). */
export function detectDelimiter(text: string): string {
  const first = text.slice(0, text.indexOf('\n') === -1 ? text.length : text.indexOf('\n'));
  const count = (ch: string) => first.split(ch).length - 1;
  if (count(',') > 0) return ',';
  if (count('\t') > 0) return '\t';
  if (count(';') > 0) return ';';
  return ',';
}

const countNewlines = (s: string) => {
  let n = 0;
  for (let i = s.indexOf('\n'); i !== -1; i = s.indexOf('\n', i + 1)) n++;
  return n;
};

/**
 * Undoes the export's formula guard (src/export/customers.ts safeCell): "'=…", "'+86…", "'-…", "'@…" read back
 * as the text that was exported, so an exported file imports back unchanged.
 */
export const unescapeCell = (cell: string): string => (/^'[=+\-@\t\r]/.test(cell) ? cell.slice(1) : cell);

/**
 * Parses CSV text into records with their starting file line; blank lines are skipped (but still counted). Every
 * cell passes the text gate (src/domain/text-gate.ts), so a NUL or an invisible character in one cell cannot fail
 * the import or create a look-alike name.
 */
export function parseCsv(text: string): CsvRecord[] {
  const normalised = text.replace(/\r\n?/g, '\n');
  let parsed: RawCsvRecord[];
  try {
    parsed = parse(normalised, csvOptions(detectDelimiter(normalised))) as unknown as RawCsvRecord[];
  } catch (err) {
    throw csvFormatError(err);
  }
  const out: CsvRecord[] = [];
  const lines = lineCounter();
  for (const r of parsed) {
    const rec = lines.next(r);
    if (rec) out.push(rec);
  }
  return out;
}

/** What csv-parse yields with `raw: true`: the cells and the text they came from (to count file lines). */
export interface RawCsvRecord {
  record: string[];
  raw: string;
}

/** The parser options of every import, for one delimiter (the sync parser here, the streaming one in csv-stream.ts). */
export const csvOptions = (delimiter: string) => ({
  raw: true,
  delimiter,
  record_delimiter: '\n',
  relax_column_count: true,
  relax_quotes: true,
  bom: true,
});

/** A csv-parse failure as the message the user can act on. */
export function csvFormatError(err: unknown): CsvFormatError {
  const e = err as { lines?: number; code?: string; message: string };
  const line = typeof e.lines === 'number' ? e.lines : undefined;
  const what = e.code === 'CSV_QUOTE_NOT_CLOSED' ? '有一个引号（"）没有配对关闭' : `格式无法解析（${e.message}）`;
  return new CsvFormatError(line, `CSV 文件${line ? `第 ${line} 行附近` : ''}${what}，请在 Excel 中检查后重新保存。`);
}

/**
 * Turns parsed records into CsvRecords in file order: the starting line of each (header = line 1), blank records
 * skipped but counted, every cell through the text gate and the export's formula guard undone.
 */
export function lineCounter() {
  let line = 1;
  return {
    next({ record, raw }: RawCsvRecord): CsvRecord | undefined {
      const at = line;
      line += countNewlines(raw);
      return record.some((c) => c.trim() !== '') ? { line: at, cells: record.map((c) => gateText(unescapeCell(c))) } : undefined;
    },
  };
}

export function encodingLabel(e: DetectedEncoding): string {
  return e === 'gbk' ? 'GBK' : e === 'utf-8-bom' ? 'UTF-8（带 BOM）' : 'UTF-8';
}
