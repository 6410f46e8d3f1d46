// The PDF quote (报价单) of an approved quote: which quote a reference names (Q-3, A-12, or a deal's latest approved
// quote), who may have it (the deal's owner and their reporting line, its approvers, finance, director/admin),
// and the file message that carries it. Rendering is src/documents/quote-pdf.ts.
import { and, desc, eq } from 'drizzle-orm';
import type { OutboundMessage } from '../adapter.js';
import { approvalRequests, customers, contacts, deals, quotes, tenants } from '../db/schema/index.js';
import { APPROVER_ROLE_LABELS } from '../domain/approval-rules.js';
import { formatDay } from '../domain/dates.js';
import { DomainError } from '../domain/errors.js';
import { renderQuotePdf, type QuoteDocument } from '../documents/quote-pdf.js';
import { loadApproval, type LoadedApproval } from './approval-view.js';
import type { Ctx } from './context.js';
import { parseShortId, shortId } from './counters.js';
import { tenantSettings } from './tenant-settings.js';
import { visibleOwnerIds } from './visibility.js';

const DAY_MS = 86_400_000;
const DECISION: Record<string, string> = { approved: '同意', rejected: '驳回', pending: '待审批', skipped: '未审批' };

/** The approval request behind a reference: A-12, Q-3, or D-17 (its latest approved quote). */
async function requestIdOf(ctx: Ctx, ref: string): Promise<string> {
  const tenantId = ctx.actor.tenantId;
  const a = parseShortId(ref, 'approval');
  const q = parseShortId(ref, 'quote');
  const d = parseShortId(ref, 'deal');
  if (a === undefined && q === undefined && d === undefined) {
    throw new DomainError('INVALID_INPUT', `请写报价单号 Q-3、审批号 A-12 或商机号 D-17（收到「${ref}」）。`);
  }
  const base = ctx.db
    .select({ id: approvalRequests.id })
    .from(approvalRequests)
    .innerJoin(quotes, eq(quotes.id, approvalRequests.quoteId))
    .innerJoin(deals, eq(deals.id, quotes.dealId));
  const [row] =
    a !== undefined
      ? await base.where(and(eq(approvalRequests.tenantId, tenantId), eq(approvalRequests.shortNo, a)))
      : q !== undefined
        ? await base.where(and(eq(quotes.tenantId, tenantId), eq(quotes.shortNo, q)))
        : await base
            .where(and(eq(deals.tenantId, tenantId), eq(deals.shortNo, d!), eq(quotes.status, 'approved')))
            .orderBy(desc(quotes.decidedAt))
            .limit(1);
  if (!row) throw new DomainError('NOT_FOUND', d !== undefined ? `商机 ${ref} 还没有批准的报价。` : `没有找到报价 ${ref}。`);
  return row.id;
}

/** The owner's line, the quote's approvers, finance and director/admin may have the document; nobody else. */
async function assertMayHave(ctx: Ctx, a: LoadedApproval): Promise<void> {
  if (ctx.actor.role === 'finance') return;
  const owners = await visibleOwnerIds(ctx);
  if (owners === null || owners.includes(a.deal.ownerId) || a.request.requesterId === ctx.actor.userId) return;
  if (a.steps.some((s) => s.step.approverId === ctx.actor.userId)) return;
  throw new DomainError('NOT_ALLOWED', `报价 ${shortId('quote', a.quote.shortNo)} 不属于你或你的下属，不能查看报价单。`);
}

export async function quoteDocumentData(ctx: Ctx, a: LoadedApproval): Promise<QuoteDocument> {
  const [settings, [tenant], [customer], [contact]] = await Promise.all([
    tenantSettings(ctx.db, a.request.tenantId),
    ctx.db.select({ name: tenants.name, timeZone: tenants.timeZone }).from(tenants).where(eq(tenants.id, a.request.tenantId)),
    ctx.db.select({ name: customers.name, phone: customers.phone }).from(customers).where(eq(customers.id, a.deal.customerId)),
    ctx.db.select({ name: contacts.name, phone: contacts.phone }).from(contacts).where(eq(contacts.customerId, a.deal.customerId)).orderBy(contacts.createdAt).limit(1),
  ]);
  const tz = tenant?.timeZone ?? ctx.timeZone;
  const doc = settings.quoteDocument;
  const issued = a.quote.decidedAt ?? a.quote.createdAt;
  return {
    quoteNo: shortId('quote', a.quote.shortNo),
    seller: { name: doc.header || tenant?.name || '', lines: doc.lines },
    customer: {
      name: customer?.name ?? a.customerName,
      ...(contact?.name ? { contact: contact.name } : {}),
      ...((contact?.phone ?? customer?.phone) ? { phone: (contact?.phone ?? customer?.phone)! } : {}),
    },
    deal: { no: shortId('deal', a.deal.shortNo), title: a.deal.title, ...(a.deal.productLine ? { productLine: a.deal.productLine } : {}) },
    amountFen: a.quote.amountFen,
    discountBp: a.quote.discountBp,
    ...(a.quote.note ? { note: a.quote.note } : {}),
    issuedOn: formatDay(issued, tz),
    validUntil: formatDay(new Date(issued.getTime() + doc.validityDays * DAY_MS), tz),
    rep: { name: a.repName },
    terms: doc.terms,
    approvals: a.steps.map(({ step, approverName }) => ({
      role: APPROVER_ROLE_LABELS[step.role],
      name: approverName,
      decision: DECISION[step.status] ?? step.status,
      ...(step.decidedAt ? { at: formatDay(step.decidedAt, tz) } : {}),
      ...(step.comment ? { comment: step.comment } : {}),
    })),
  };
}

/** 报价单-Q-3-华东五金.pdf: the number first, the customer for the reader; nothing a file system would refuse. */
export function quoteFileName(d: QuoteDocument): string {
  const who = d.customer.name.replace(/[\\/:*?"<>|\s\u0000-\u001f\u200b-\u200f\u202a-\u202e\u2060-\u2069]+/g, '').slice(0, 30);
  return `报价单-${d.quoteNo}${who ? `-${who}` : ''}.pdf`;
}

export async function quoteFileMessage(ctx: Ctx, a: LoadedApproval): Promise<Extract<OutboundMessage, { type: 'file' }>> {
  const data = await quoteDocumentData(ctx, a);
  const pdf = await renderQuotePdf(data);
  return { type: 'file', fileName: quoteFileName(data), mimeType: 'application/pdf', base64: pdf.toString('base64') };
}

/** /报价单 <ref>: the PDF of an approved quote, for someone who may have it. */
export async function quoteDocumentFor(ctx: Ctx, ref: string): Promise<{ quoteNo: string; message: Extract<OutboundMessage, { type: 'file' }> }> {
  const a = (await loadApproval(ctx.db, await requestIdOf(ctx, ref)))!;
  await assertMayHave(ctx, a);
  const quoteNo = shortId('quote', a.quote.shortNo);
  if (a.quote.status !== 'approved') {
    const state = a.quote.status === 'pending' ? '还在审批中' : a.quote.status === 'rejected' ? '已被驳回' : '已撤回';
    throw new DomainError('NOT_ALLOWED', `报价 ${quoteNo} ${state}，批准后才有报价单。`);
  }
  return { quoteNo, message: await quoteFileMessage(ctx, a) };
}
