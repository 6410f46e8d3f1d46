// Money CSV import (the headers src/export/money.ts writes): collection plans (回款计划: 商机编号, 期数, 到期日, 金额
// or 比例), receipts (回款: 商机编号, 金额, 回款日期, 备注) and targets (目标: 类型, 名称, 月份, 金额). Every row goes
// through the same services as the chat commands, as the system (no chat user), inside ONE transaction; a dry run, or
// any bad row, rolls it all back, so the report of a dry run is exactly what --apply does. Importing a file twice
// changes nothing: plans equal to the current one are left alone, receipts are matched by content, targets upserted.
import type { Db } from '../db/client.js';
import type { PlanShare } from '../domain/collection.js';
import { isDomainError } from '../domain/errors.js';
import { amountProblemText, parseAmountToFen, parsePercent } from '../domain/money.js';
import { parsePeriod } from '../domain/periods.js';
import { systemCtx } from '../services/audit.js';
import { countMatchingReceipts, recordPayment, setPaymentPlan } from '../services/collection.js';
import type { Ctx } from '../services/context.js';
import { parseShortId } from '../services/counters.js';
import { dealByShortNo, type Deal } from '../services/deals.js';
import { findTargetSubject, setTarget, type TargetSubject } from '../services/targets.js';
import type { CsvRecord } from './decode.js';

export type MoneyImportKind = 'plans' | 'receipts' | 'targets';
export const MONEY_KIND_LABELS: Record<MoneyImportKind, string> = { plans: '回款计划', receipts: '回款', targets: '目标' };

const HEADERS = {
  deal: ['商机编号', '商机', 'deal'],
  seq: ['期数', '期', 'seq'],
  dueOn: ['到期日', '计划日期', '到期日期', 'due'],
  amount: ['金额', '回款金额', '目标金额', 'amount'],
  percent: ['比例', 'percent'],
  receivedOn: ['回款日期', '到账日期', 'received'],
  note: ['备注', 'note'],
  kind: ['类型', 'kind'],
  name: ['名称', '姓名', '团队', 'name'],
  month: ['月份', '期间', 'month'],
} as const;
type Column = keyof typeof HEADERS;

function columns(header: readonly string[]): Partial<Record<Column, number>> {
  const clean = header.map((h) => h.replace(/^\uFEFF/, '').trim().toLowerCase());
  const out: Partial<Record<Column, number>> = {};
  for (const [col, names] of Object.entries(HEADERS) as Array<[Column, readonly string[]]>) {
    const i = clean.findIndex((h) => names.includes(h));
    if (i >= 0) out[col] = i;
  }
  return out;
}

/** Which money file this is, by its header: 到期日 → plans, 回款日期 → receipts, 月份 + 名称 → targets. */
export function detectMoneyKind(header: readonly string[]): MoneyImportKind | undefined {
  const c = columns(header);
  if (c.deal !== undefined && c.dueOn !== undefined) return 'plans';
  if (c.deal !== undefined && c.receivedOn !== undefined) return 'receipts';
  if (c.month !== undefined && c.name !== undefined) return 'targets';
  return undefined;
}

export interface MoneyImportReport {
  kind: MoneyImportKind;
  applied: boolean;
  rows: number;
  /** What each good row did (or would do), with its line. */
  done: Array<{ line: number; text: string }>;
  unchanged: number;
  problems: Array<{ line: number; problem: string }>;
}

class Rollback extends Error {}

const FULL_DATE = /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$/;
function fullDate(text: string): string | undefined {
  const m = FULL_DATE.exec(text.normalize('NFKC').trim());
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const probe = new Date(Date.UTC(y, mo - 1, d));
  if (probe.getUTCMonth() !== mo - 1 || probe.getUTCDate() !== d) return undefined;
  return `${y}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

export async function importMoney(
  db: Db,
  records: CsvRecord[],
  opts: { tenantId: string; timeZone: string; kind?: MoneyImportKind; apply: boolean; now?: Date },
): Promise<MoneyImportReport> {
  const [header, ...rows] = records;
  const kind = opts.kind ?? detectMoneyKind(header?.cells ?? []);
  const report: MoneyImportReport = { kind: kind ?? 'plans', applied: false, rows: rows.length, done: [], unchanged: 0, problems: [] };
  if (!header || !kind) {
    report.problems.push({ line: 1, problem: '看不出是哪种文件：回款计划要有“商机编号、到期日”列，回款要有“商机编号、回款日期”列，目标要有“名称、月份”列。' });
    return report;
  }
  const col = columns(header.cells);
  const cell = (r: CsvRecord, c: Column) => (col[c] === undefined ? '' : (r.cells[col[c]!] ?? '').trim());
  try {
    await db.transaction(async (tx) => {
      const ctx = systemCtx(tx, opts.tenantId, opts.now ?? new Date(), opts.timeZone);
      const guard = async (line: number, work: () => Promise<void>) => {
        try {
          await work();
        } catch (err) {
          if (!isDomainError(err)) throw err;
          report.problems.push({ line, problem: err.userMessage });
        }
      };
      const deals = new Map<string, Deal | undefined>();
      const dealOf = async (line: number, typed: string): Promise<Deal | undefined> => {
        const no = parseShortId(typed, 'deal') ?? (/^\d+$/.test(typed) ? Number(typed) : undefined);
        if (no === undefined) return void report.problems.push({ line, problem: `商机编号「${typed}」看不懂，请写 D-12。` });
        if (!deals.has(typed)) deals.set(typed, await dealByShortNo(tx, opts.tenantId, no));
        const d = deals.get(typed);
        if (!d) report.problems.push({ line, problem: `没有商机 ${typed}。` });
        return d;
      };
      const amountOf = (line: number, what: string, typed: string) => {
        const a = parseAmountToFen(typed);
        if (a.ok) return a.fen;
        report.problems.push({ line, problem: amountProblemText(what, typed, a.problem) });
        return undefined;
      };
      if (kind === 'plans') await importPlans(ctx, rows, cell, dealOf, amountOf, guard, report);
      if (kind === 'receipts') await importReceipts(ctx, rows, cell, dealOf, amountOf, guard, report);
      if (kind === 'targets') await importTargets(ctx, rows, cell, amountOf, guard, report);
      if (!opts.apply || report.problems.length > 0) throw new Rollback();
      report.applied = true;
    });
  } catch (err) {
    if (!(err instanceof Rollback)) throw err;
  }
  report.problems.sort((a, b) => a.line - b.line);
  return report;
}

type Cell = (r: CsvRecord, c: Column) => string;
type Guard = (line: number, work: () => Promise<void>) => Promise<void>;
type DealOf = (line: number, typed: string) => Promise<Deal | undefined>;
type AmountOf = (line: number, what: string, typed: string) => number | undefined;

async function importPlans(ctx: Ctx, rows: CsvRecord[], cell: Cell, dealOf: DealOf, amountOf: AmountOf, guard: Guard, report: MoneyImportReport) {
  const byDeal = new Map<string, Array<{ line: number; seq: number; share: PlanShare }>>();
  for (const r of rows) {
    const typed = cell(r, 'deal');
    const dueOn = fullDate(cell(r, 'dueOn'));
    if (!dueOn) {
      report.problems.push({ line: r.line, problem: `到期日「${cell(r, 'dueOn')}」要写完整日期，例如 2026-12-31。` });
      continue;
    }
    const pctText = cell(r, 'percent');
    let share: PlanShare | undefined;
    if (pctText) {
      const p = parsePercent(pctText.endsWith('%') ? pctText : `${pctText}%`);
      if (!p.ok || p.basisPoints === 0) report.problems.push({ line: r.line, problem: `比例「${pctText}」看不懂，请写 30%。` });
      else share = { dueOn, basisPoints: p.basisPoints };
    } else {
      const fen = amountOf(r.line, '金额', cell(r, 'amount'));
      if (fen !== undefined) share = { dueOn, amountFen: fen };
    }
    if (!share) continue;
    const seq = Number(cell(r, 'seq')) || Number.MAX_SAFE_INTEGER;
    const list = byDeal.get(typed) ?? [];
    list.push({ line: r.line, seq, share });
    byDeal.set(typed, list);
  }
  for (const [typed, list] of byDeal) {
    const line = list[0]!.line;
    const deal = await dealOf(line, typed);
    if (!deal) continue;
    const shares = list.sort((a, b) => a.seq - b.seq || a.line - b.line).map((x) => x.share);
    await guard(line, async () => {
      const r = await setPaymentPlan(ctx, deal, shares);
      if (r.unchanged) report.unchanged++;
      else report.done.push({ line, text: `${typed} ${r.replaced ? '替换' : '设置'}回款计划 ${shares.length} 期` });
    });
  }
}

async function importReceipts(ctx: Ctx, rows: CsvRecord[], cell: Cell, dealOf: DealOf, amountOf: AmountOf, guard: Guard, report: MoneyImportReport) {
  const seen = new Map<string, number>();
  for (const r of rows) {
    const typed = cell(r, 'deal');
    const receivedOn = fullDate(cell(r, 'receivedOn'));
    if (!receivedOn) {
      report.problems.push({ line: r.line, problem: `回款日期「${cell(r, 'receivedOn')}」要写完整日期，例如 2026-12-01。` });
      continue;
    }
    const fen = amountOf(r.line, '回款金额', cell(r, 'amount'));
    const deal = await dealOf(r.line, typed);
    if (fen === undefined || !deal) continue;
    const note = cell(r, 'note') || null;
    // The k-th identical row of the file is new only when the deal has fewer than k such receipts already.
    const key = `${deal.id}\u0000${receivedOn}\u0000${fen}\u0000${note ?? ''}`;
    const k = (seen.get(key) ?? 0) + 1;
    seen.set(key, k);
    await guard(r.line, async () => {
      if ((await countMatchingReceipts(ctx.db, deal.id, { receivedOn, amountFen: fen, note })) >= k) {
        report.unchanged++;
        return;
      }
      await recordPayment(ctx, deal, { amountFen: fen, receivedOn, ...(note ? { note } : {}), sourceKey: `import:${key.replace(/\u0000/g, ':')}:${k}` });
      report.done.push({ line: r.line, text: `${typed} 回款 ${cell(r, 'amount')}（${receivedOn}）` });
    });
  }
}

async function importTargets(ctx: Ctx, rows: CsvRecord[], cell: Cell, amountOf: AmountOf, guard: Guard, report: MoneyImportReport) {
  for (const r of rows) {
    const name = cell(r, 'name');
    const period = parsePeriod(cell(r, 'month'), ctx.now, ctx.timeZone);
    if (!period) {
      report.problems.push({ line: r.line, problem: `月份「${cell(r, 'month')}」看不懂：写 2026-12 或季度 2027Q1。` });
      continue;
    }
    const fen = amountOf(r.line, '目标金额', cell(r, 'amount'));
    if (fen === undefined) continue;
    const kindText = cell(r, 'kind');
    await guard(r.line, async () => {
      const subject: TargetSubject = await findTargetSubject(ctx, name);
      if ((kindText === '团队' && subject.kind !== 'team') || (kindText === '个人' && subject.kind !== 'user')) {
        report.problems.push({ line: r.line, problem: `没有名为「${name}」的${kindText}。` });
        return;
      }
      const split = await setTarget(ctx, subject, period, fen);
      if (!split.some((m) => m.changed)) {
        report.unchanged++;
        return;
      }
      report.done.push({ line: r.line, text: `${subject.kind === 'team' ? '团队' : ''}${subject.name} ${period.label} 目标 ${cell(r, 'amount')}` });
    });
  }
}

/** The report `npm run import` prints. */
export function formatMoneyReport(r: MoneyImportReport, opts: { limit: number }): string {
  const label = MONEY_KIND_LABELS[r.kind];
  const lines = [`${label}导入${r.applied ? '完成' : r.problems.length > 0 ? '未写入（有需要修改的行）' : '试运行（加 --apply 写入）'}：共 ${r.rows} 行，${r.applied ? '已写入' : '将写入'} ${r.done.length} 项，已存在（不变）${r.unchanged} 项，需要修改 ${r.problems.length} 行。`];
  if (r.problems.length > 0) {
    lines.push('需要修改：');
    for (const p of r.problems.slice(0, opts.limit)) lines.push(`  第 ${p.line} 行：${p.problem}`);
    if (r.problems.length > opts.limit) lines.push(`  …另有 ${r.problems.length - opts.limit} 行（--all 列出全部）`);
    lines.push('修改后重新导入；在所有行都没有问题之前，不会写入任何数据。');
  }
  if (r.done.length > 0) {
    lines.push(r.applied ? '已写入：' : '将写入：');
    for (const d of r.done.slice(0, opts.limit)) lines.push(`  第 ${d.line} 行：${d.text}`);
    if (r.done.length > opts.limit) lines.push(`  …另有 ${r.done.length - opts.limit} 项`);
  }
  return lines.join('\n');
}
