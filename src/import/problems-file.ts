// The problems file of a customer import (问题行.csv): one line per row that was not created as it stood — 行号,
// 结果, 原因, then the row's own cells under the file's own headers, so the rows can be fixed in Excel and the file
// imported again (the three extra columns are ignored). UTF-8 with BOM, which Excel opens as Chinese; every cell
// through the export's formula guard (a name like "=HYPERLINK(…)" stays text, and imports back unchanged).
import { closeSync, openSync, writeSync } from 'node:fs';
import { stringify } from 'csv-stringify/sync';
import { safeCell } from '../export/customers.js';
import { PROBLEM_LABEL, type ProblemRow } from './customer-report.js';

export const PROBLEM_HEADERS = ['行号', '结果', '原因'] as const;

/** Written in 64 KB pieces straight to the file: memory stays flat however many rows have problems. */
export function problemsFile(path: string, header: string[]) {
  const fd = openSync(path, 'w', 0o600);
  let buffered: string[] = [];
  let size = 0;
  let count = 0;
  const flush = () => {
    if (buffered.length > 0) writeSync(fd, buffered.join(''));
    buffered = [];
    size = 0;
  };
  const line = (cells: string[]) => {
    const text = stringify([cells.map((c) => safeCell(c))], { record_delimiter: '\r\n' });
    buffered.push(text);
    size += text.length;
    if (size > 64 * 1024) flush();
  };
  writeSync(fd, Buffer.from([0xef, 0xbb, 0xbf]));
  line([...PROBLEM_HEADERS, ...header]);
  return {
    path,
    add(p: ProblemRow) {
      count++;
      line([String(p.line), PROBLEM_LABEL[p.kind], p.reason, ...p.cells]);
    },
    get count() {
      return count;
    },
    close() {
      flush();
      closeSync(fd);
    },
  };
}
export type ProblemsFile = ReturnType<typeof problemsFile>;
