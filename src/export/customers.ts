// Customer and deal export to CSV with Chinese headers: UTF-8 with BOM (Excel opens it correctly) or GBK for
// older Excel / WPS set-ups. The customer columns use the import's header names, so an export imports back cleanly.
import { and, asc, eq, isNull } from 'drizzle-orm';
import { stringify } from 'csv-stringify/sync';
import iconv from 'iconv-lite';
import type { DbOrTx } from '../db/client.js';
import { customers, deals, tenants, users } from '../db/schema/index.js';
import { formatDay, wallClock } from '../domain/dates.js';
import { shortId } from '../services/counters.js';
import { dueOfDeals } from '../services/due.js';
import { tenantSettings } from '../services/tenant-settings.js';

export type ExportEncoding = 'utf-8-bom' | 'gbk';

const STATUS_LABELS = { prospect: '潜在', active: '正式', dormant: '沉默' } as const;

const pad = (n: number) => String(n).padStart(2, '0');
function dateTime(d: Date | null, tz: string): string {
  if (!d) return '';
  const w = wallClock(d, tz);
  return `${formatDay(d, tz)} ${pad(w.hour)}:${pad(w.minute)}`;
}

/** Fen → "12345.67" (a plain number Excel can sum; no ¥ or thousands separators). */
function yuan(fen: number | null): string {
  if (fen === null) return '';
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  return `${sign}${Math.floor(abs / 100)}.${pad(abs % 100)}`;
}

/**
 * CSV injection guard: a cell starting with = + - @ tab or CR would run as a formula when the file is opened in
 * Excel/WPS, so it gets a leading apostrophe (the import strips it again, see src/import/decode.ts unescapeCell).
 * The one exception is a plain negative number (-12.50) in a numeric column (amounts, percentages), which must
 * stay a number that Excel can sum. Phone numbers such as +86… are text and are guarded like any other text.
 */
export function safeCell(value: string, numeric = false): string {
  if (!/^[=+\-@\t\r]/.test(value)) return value;
  if (numeric && /^-\d+(\.\d+)?$/.test(value)) return value;
  return `'${value}`;
}

/** Guards every cell; `numericColumns` are the column indexes whose plain negative numbers stay as they are. */
export const safeRecords = (records: string[][], numericColumns: readonly number[] = []) =>
  records.map((r) => r.map((cell, i) => safeCell(cell, numericColumns.includes(i))));

async function tenantTimeZone(db: DbOrTx, tenantId: string): Promise<string> {
  const [t] = await db.select({ tz: tenants.timeZone }).from(tenants).where(eq(tenants.id, tenantId));
  return t?.tz ?? 'Asia/Shanghai';
}

export const CUSTOMER_HEADERS = ['编号', '公司名称', '电话', '地区', '行业', '等级', '负责人', '来源', '标签', '状态', '最近活动', '创建时间'];

export async function customersCsv(db: DbOrTx, tenantId: string): Promise<{ text: string; rows: number }> {
  const tz = await tenantTimeZone(db, tenantId);
  const rows = await db
    .select({ c: customers, ownerName: users.name })
    .from(customers)
    // A pool entry (公海) has no owner: its 负责人 cell is empty, as an owner-less import row is.
    .leftJoin(users, eq(users.id, customers.ownerId))
    // Merged customers (/合并) live on in their survivor; exporting them would re-import a duplicate.
    .where(and(eq(customers.tenantId, tenantId), isNull(customers.mergedIntoId)))
    .orderBy(asc(customers.shortNo));
  const records = rows.map(({ c, ownerName }) => [
    shortId('customer', c.shortNo),
    c.name,
    c.phone ?? '',
    c.region ?? '',
    c.industry ?? '',
    c.grade ?? '',
    ownerName ?? '',
    c.sourceChannel ?? '',
    c.tags.join('、'),
    STATUS_LABELS[c.status],
    dateTime(c.lastActivityAt, tz),
    dateTime(c.createdAt, tz),
  ]);
  return { text: stringify([CUSTOMER_HEADERS, ...safeRecords(records)], { record_delimiter: '\r\n' }), rows: records.length };
}

export const DEAL_HEADERS = ['编号', '客户编号', '客户名称', '商机名称', '金额（元）', '币种', '阶段', '赢率（%）', '预计成交日期', '负责人', '产品线', '输单原因', '最近活动', '应跟进时间', '跟进依据', '创建时间'];
const DUE_REASON_LABELS = { agreed: '约定联系', silence: '无跟进超时' } as const;
/** 金额（元） and 赢率（%）. */
const DEAL_NUMERIC_COLUMNS = [DEAL_HEADERS.indexOf('金额（元）'), DEAL_HEADERS.indexOf('赢率（%）')] as const;

export async function dealsCsv(db: DbOrTx, tenantId: string): Promise<{ text: string; rows: number }> {
  const tz = await tenantTimeZone(db, tenantId);
  const rows = await db
    .select({ d: deals, customerNo: customers.shortNo, customerName: customers.name, ownerName: users.name })
    .from(deals)
    .innerJoin(customers, eq(customers.id, deals.customerId))
    .innerJoin(users, eq(users.id, deals.ownerId))
    .where(eq(deals.tenantId, tenantId))
    .orderBy(asc(deals.shortNo));
  const due = await dueOfDeals(db, tenantId, rows.map((r) => r.d));
  const { labels } = (await tenantSettings(db, tenantId)).pipeline;
  const records = rows.map(({ d, customerNo, customerName, ownerName }) => [
    shortId('deal', d.shortNo),
    shortId('customer', customerNo),
    customerName,
    d.title,
    yuan(d.amountFen),
    d.currency,
    labels[d.stage],
    String(d.probability),
    d.expectedCloseOn ?? '',
    ownerName,
    d.productLine ?? '',
    d.lostReason ?? '',
    dateTime(d.lastActivityAt, tz),
    dateTime(due.get(d.id)?.at ?? null, tz),
    due.has(d.id) ? DUE_REASON_LABELS[due.get(d.id)!.reason] : '',
    dateTime(d.createdAt, tz),
  ]);
  return { text: stringify([DEAL_HEADERS, ...safeRecords(records, DEAL_NUMERIC_COLUMNS)], { record_delimiter: '\r\n' }), rows: records.length };
}

/** UTF-8 with BOM by default; GBK replaces characters GBK lacks with "?" (reported by countUnencodable). */
export function encodeCsv(text: string, encoding: ExportEncoding = 'utf-8-bom'): Buffer {
  if (encoding === 'gbk') return iconv.encode(text, 'gbk');
  return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]);
}

/** Characters of `text` that GBK cannot represent (they would be written as "?"). */
export function unencodableInGbk(text: string): string[] {
  if (iconv.decode(iconv.encode(text, 'gbk'), 'gbk') === text) return [];
  const bad = new Set<string>();
  for (const ch of new Set(text)) {
    if (ch === '?') continue;
    if (iconv.decode(iconv.encode(ch, 'gbk'), 'gbk') !== ch) bad.add(ch);
  }
  return [...bad];
}
