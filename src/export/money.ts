// Money exports to CSV with the headers the money import reads back (src/import/money.ts): collection plans
// (one row per current instalment, with what the receipts cover), receipts, and monthly sales targets.
import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import { stringify } from 'csv-stringify/sync';
import type { DbOrTx } from '../db/client.js';
import { customers, deals, paymentInstalments, paymentReceipts, salesTargets, teams, tenants, users } from '../db/schema/index.js';
import { shortId } from '../services/counters.js';
import { collectionOfDeals } from '../services/collection.js';
import { safeRecords } from './customers.js';

export const PLAN_HEADERS = ['商机编号', '客户', '商机', '负责人', '期数', '到期日', '金额', '已回款', '未回款', '状态'];
export const RECEIPT_HEADERS = ['商机编号', '客户', '商机', '金额', '回款日期', '备注', '登记人'];
export const TARGET_HEADERS = ['类型', '名称', '月份', '金额'];

/** Fen → "12345.67": a plain number Excel can sum. */
const yuan = (fen: number) => `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`;
const csv = (headers: string[], rows: string[][], numeric: number[]) => stringify([headers, ...safeRecords(rows, numeric)], { record_delimiter: '\r\n' });

export async function paymentPlansCsv(db: DbOrTx, tenantId: string, now = new Date()): Promise<{ text: string; rows: number }> {
  const [tenant] = await db.select({ tz: tenants.timeZone }).from(tenants).where(eq(tenants.id, tenantId));
  const rows = await db
    .select({ i: paymentInstalments, d: deals, customerName: customers.name, ownerName: users.name })
    .from(paymentInstalments)
    .innerJoin(deals, eq(deals.id, paymentInstalments.dealId))
    .innerJoin(customers, eq(customers.id, deals.customerId))
    .innerJoin(users, eq(users.id, deals.ownerId))
    .where(and(eq(paymentInstalments.tenantId, tenantId), isNull(paymentInstalments.replacedAt)))
    .orderBy(asc(deals.shortNo), asc(paymentInstalments.seq));
  const uniqueDeals = [...new Map(rows.map((r) => [r.d.id, r.d])).values()];
  const status = await collectionOfDeals(db, uniqueDeals, now, tenant?.tz ?? 'Asia/Shanghai');
  const records = rows.map((r) => {
    const i = status.get(r.d.id)?.instalments.find((x) => x.seq === r.i.seq);
    const state = !i ? '' : i.outstandingFen === 0 ? '已回清' : i.overdue ? '逾期' : i.receivedFen > 0 ? '部分回款' : '未到账';
    return [shortId('deal', r.d.shortNo), r.customerName, r.d.title, r.ownerName, String(r.i.seq), r.i.dueOn, yuan(r.i.amountFen),
      yuan(i?.receivedFen ?? 0), yuan(i?.outstandingFen ?? r.i.amountFen), state];
  });
  return { text: csv(PLAN_HEADERS, records, [6, 7, 8]), rows: records.length };
}

export async function paymentReceiptsCsv(db: DbOrTx, tenantId: string): Promise<{ text: string; rows: number }> {
  const rows = await db
    .select({ r: paymentReceipts, shortNo: deals.shortNo, title: deals.title, customerName: customers.name, recorder: sql<string | null>`${users.name}` })
    .from(paymentReceipts)
    .innerJoin(deals, eq(deals.id, paymentReceipts.dealId))
    .innerJoin(customers, eq(customers.id, deals.customerId))
    .leftJoin(users, eq(users.id, paymentReceipts.recordedById))
    .where(eq(paymentReceipts.tenantId, tenantId))
    .orderBy(asc(paymentReceipts.receivedOn), asc(paymentReceipts.createdAt));
  const records = rows.map((x) => [shortId('deal', x.shortNo), x.customerName, x.title, yuan(x.r.amountFen), x.r.receivedOn, x.r.note ?? '', x.recorder ?? '（导入）']);
  return { text: csv(RECEIPT_HEADERS, records, [3]), rows: records.length };
}

export async function targetsCsv(db: DbOrTx, tenantId: string): Promise<{ text: string; rows: number }> {
  const rows = await db
    .select({ s: salesTargets, userName: sql<string | null>`${users.name}`, teamName: sql<string | null>`${teams.name}` })
    .from(salesTargets)
    .leftJoin(users, and(eq(salesTargets.subjectKind, 'user'), eq(users.id, salesTargets.subjectId)))
    .leftJoin(teams, and(eq(salesTargets.subjectKind, 'team'), eq(teams.id, salesTargets.subjectId)))
    .where(eq(salesTargets.tenantId, tenantId))
    .orderBy(asc(salesTargets.month), asc(salesTargets.subjectKind));
  const records = rows.map((x) => [x.s.subjectKind === 'team' ? '团队' : '个人', (x.s.subjectKind === 'team' ? x.teamName : x.userName) ?? '', x.s.month, yuan(x.s.amountFen)]);
  return { text: csv(TARGET_HEADERS, records, [3]), rows: records.length };
}
