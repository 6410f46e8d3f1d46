// An import's progress: where a run is (the API's GET …/imports/:id shows it) and the CLI's progress line.

/** Where a run is: checking the file's format first (apply), checking rows (dry run), or writing them. */
export type ImportPhase = 'scan' | 'check' | 'apply';
export interface ImportProgress {
  phase: ImportPhase;
  rowsRead: number;
  rowsWritten: number;
  bytesRead: number;
  totalBytes: number;
}

const PHASE_LABEL: Record<ImportPhase, string> = { scan: '检查文件格式', check: '检查中', apply: '写入中' };
const mb = (n: number) => (n / 1024 / 1024).toFixed(1);

/**
 * The import's progress line on stderr — rows read (and written), megabytes read of the file's size — redrawn in
 * place on a terminal (at most 10 times a second), a line per quarter otherwise; silent for small files.
 */
export function importProgressLine(minBytes = 256 * 1024) {
  const tty = process.stderr.isTTY;
  let lastPhase = '';
  let lastQuarter = -1;
  let lastDraw = 0;
  let lastText = '';
  /** `final`: the run is over; its last state is printed whatever was printed before. */
  return (p: ImportProgress, final = false) => {
    if (p.totalBytes < minBytes) return;
    const pct = p.totalBytes === 0 ? 100 : Math.min(100, Math.floor((p.bytesRead / p.totalBytes) * 100));
    const rows = p.phase === 'apply' ? `已读 ${p.rowsRead.toLocaleString()} 行、已写入 ${p.rowsWritten.toLocaleString()} 行` : `已读 ${p.rowsRead.toLocaleString()} 行`;
    const text = `${PHASE_LABEL[p.phase]}：${rows}，${mb(p.bytesRead)} / ${mb(p.totalBytes)} MB（${pct}%）`;
    const newPhase = p.phase !== lastPhase;
    if (newPhase) {
      if (tty && lastPhase) process.stderr.write('\n');
      lastPhase = p.phase;
      lastQuarter = -1;
    }
    if (tty) {
      const now = Date.now();
      if (!newPhase && !final && now - lastDraw < 100) return;
      lastDraw = now;
      process.stderr.write(`\r${text}\x1b[K${final ? '\n' : ''}`);
    } else {
      const quarter = Math.floor(pct / 25);
      if (final ? text === lastText : quarter === lastQuarter) return;
      lastQuarter = quarter;
      lastText = text;
      process.stderr.write(`${text}\n`);
    }
  };
}
