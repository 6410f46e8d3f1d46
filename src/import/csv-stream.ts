// Reading an import file from disk in pieces, never whole: the encoding is found by one pass over the bytes
// (UTF-8 with or without BOM, else GBK, as decode.ts decides for bytes in memory), then the records are parsed as
// the file is read, with their file line numbers and the bytes read so far (progress).
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse';
import iconv from 'iconv-lite';
import { CsvFormatError, csvFormatError, csvOptions, detectDelimiter, lineCounter, type CsvRecord, type DetectedEncoding, type RawCsvRecord } from './decode.js';

/** Read size: one piece is decoded and parsed in one go (~400 rows, a few ms), so it must stay small. */
const CHUNK = 32 * 1024;

export interface CsvFile {
  path: string;
  encoding: DetectedEncoding;
  totalBytes: number;
}

/** The file's encoding by the same rule as decodeBytes, reading it once in pieces. */
export async function detectFileEncoding(path: string): Promise<CsvFile> {
  const { size } = await stat(path);
  const head = Buffer.alloc(3);
  const fh = await open(path, 'r');
  try {
    await fh.read(head, 0, 3, 0);
  } finally {
    await fh.close();
  }
  if (size >= 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return { path, encoding: 'utf-8-bom', totalBytes: size };
  if (size >= 2 && ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff))) {
    throw new CsvFormatError(undefined, '文件是 UTF-16 编码（Excel 的“Unicode 文本”），请在 Excel 里另存为“CSV UTF-8（逗号分隔）”后再导入。');
  }
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: CHUNK })) utf8.decode(chunk as Buffer, { stream: true });
    utf8.decode();
    return { path, encoding: 'utf-8', totalBytes: size };
  } catch (err) {
    if (err instanceof TypeError) return { path, encoding: 'gbk', totalBytes: size };
    throw err;
  }
}

/** Bytes → text in the file's encoding, piece by piece (a character split between two pieces is kept whole). */
function textDecoder(encoding: DetectedEncoding): { write(b: Buffer): string; end(): string } {
  if (encoding === 'gbk') {
    const d = iconv.getDecoder('gb18030');
    return { write: (b) => d.write(b), end: () => d.end() ?? '' };
  }
  const d = new TextDecoder('utf-8'); // strips the BOM of utf-8-bom
  return { write: (b) => d.decode(b, { stream: true }), end: () => d.decode() };
}

/**
 * The file's records in order (blank ones skipped), as parseCsv gives them for the whole text. `onBytes` hears
 * how many bytes have been read so far. A format error (an unclosed quote) is thrown as CsvFormatError when the
 * parser reaches it.
 */
export async function* readCsvRecords(file: CsvFile, onBytes?: (bytesRead: number) => void): AsyncGenerator<CsvRecord> {
  let bytesRead = 0;
  const decoder = textDecoder(file.encoding);
  // "\r\n" and a lone "\r" become "\n" as parseCsv does; a "\r" at the end of a piece waits for the next one.
  let pendingCr = false;
  const normalise = (text: string, last: boolean) => {
    let t = (pendingCr ? '\r' : '') + text;
    pendingCr = !last && t.endsWith('\r');
    if (pendingCr) t = t.slice(0, -1);
    return t.replace(/\r\n?/g, '\n');
  };
  async function* text() {
    for await (const chunk of createReadStream(file.path, { highWaterMark: CHUNK })) {
      bytesRead += (chunk as Buffer).length;
      onBytes?.(bytesRead);
      const t = normalise(decoder.write(chunk as Buffer), false);
      if (t !== '') yield t;
    }
    const t = normalise(decoder.end(), true);
    if (t !== '') yield t;
  }
  // The delimiter is read from the header line, so the parser starts once that line is in.
  const source = text();
  let head = '';
  for (;;) {
    const next = await source.next();
    if (next.done) break;
    head += next.value;
    if (head.includes('\n')) break;
  }
  if (head === '') return;
  async function* all() {
    yield head;
    yield* source;
  }
  const parser = parse(csvOptions(detectDelimiter(head)));
  const fed = pipeline(Readable.from(all(), { objectMode: false }), parser).catch(() => {});
  const lines = lineCounter();
  try {
    for await (const r of parser as AsyncIterable<RawCsvRecord>) {
      const rec = lines.next(r);
      if (rec) yield rec;
    }
  } catch (err) {
    // csv-parse's own errors carry a CSV_* code; a read error (the file went away) stays what it is.
    throw String((err as { code?: unknown }).code ?? '').startsWith('CSV_') ? csvFormatError(err) : err;
  } finally {
    parser.destroy();
    await fed;
  }
}
