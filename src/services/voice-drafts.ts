// Voice follow-ups: a transcript that names one of the speaker's customers or deals becomes a draft shown back
// with 确认 / 修改 / 取消 (speech recognition mishears), written as a follow-up only on 确认 — once: the draft moves
// pending → recorded in the same transaction as the follow-up, so a second click or a re-delivered click finds it
// decided. Only the speaker decides their draft (the verified actor, never a value from the card).
import { and, desc, eq } from 'drizzle-orm';
import { encodeActionData } from '../../cards/action-data.js';
import type { Card } from '../../cards/model.js';
import { customers, deals, voiceDrafts } from '../db/schema/index.js';
import { formatDate } from '../domain/dates.js';
import { DomainError } from '../domain/errors.js';
import { formatFen } from '../domain/money.js';
import type { Ctx } from './context.js';
import { customerShortId, type Customer } from './customers.js';
import { dealShortId, type Deal } from './deals.js';
import { logFollowUp, type FollowUp, type FollowUpKind } from './follow-ups.js';

export type VoiceDraft = typeof voiceDrafts.$inferSelect;

export interface VoiceDraftInput {
  transcript: string;
  target: { customer: Customer; deal?: Deal };
  kind: FollowUpKind;
  summary: string;
  nextDueAt?: Date;
}

/** `D-3 华东五金` / `C-5 华东五金`: what the follow-up would be recorded on. */
export const draftWhere = (t: { customer: Customer; deal?: Deal }) =>
  t.deal ? `${dealShortId(t.deal)}「${t.deal.title}」${t.customer.name}` : `${customerShortId(t.customer)} ${t.customer.name}`;

/** One draft per voice message: a re-delivered message (same event key) finds the first. */
export async function createVoiceDraft(ctx: Ctx, input: VoiceDraftInput): Promise<VoiceDraft> {
  const source = ctx.via ? `${ctx.via.platform}:${ctx.via.eventKey}` : null;
  if (source) {
    const [seen] = await ctx.db.select().from(voiceDrafts).where(and(eq(voiceDrafts.userId, ctx.actor.userId), eq(voiceDrafts.sourceEventKey, source)));
    if (seen) return seen;
  }
  const [row] = await ctx.db
    .insert(voiceDrafts)
    .values({
      tenantId: ctx.actor.tenantId,
      userId: ctx.actor.userId,
      transcript: input.transcript,
      customerId: input.target.customer.id,
      dealId: input.target.deal?.id ?? null,
      kind: input.kind,
      summary: input.summary,
      nextDueAt: input.nextDueAt ?? null,
      sourceEventKey: source,
      createdAt: ctx.now,
    })
    .returning();
  return row!;
}

async function draftTarget(ctx: Ctx, d: VoiceDraft): Promise<{ customer: Customer; deal?: Deal }> {
  const [customer] = await ctx.db.select().from(customers).where(eq(customers.id, d.customerId));
  const [deal] = d.dealId ? await ctx.db.select().from(deals).where(eq(deals.id, d.dealId)) : [];
  if (!customer) throw new DomainError('NOT_FOUND', '这条语音要记录的客户已不存在。');
  return { customer, ...(deal ? { deal } : {}) };
}

export type VoiceDecision = 'record' | 'cancel';

export interface VoiceDecided {
  draft: VoiceDraft;
  target: { customer: Customer; deal?: Deal };
  followUp?: FollowUp;
  /** Set when the draft had been decided before (a second click): nothing changed now. */
  already?: 'recorded' | 'cancelled';
}

/**
 * Records or drops one of the actor's drafts: by id (a card button), or their latest pending one (typed
 * `/语音 确认`). Someone else's draft is "not found": a card's values never say who may act.
 */
export async function decideVoiceDraft(ctx: Ctx, id: string | 'latest', decision: VoiceDecision): Promise<VoiceDecided> {
  const mine = eq(voiceDrafts.userId, ctx.actor.userId);
  const [draft] =
    id === 'latest'
      ? await ctx.db.select().from(voiceDrafts).where(and(mine, eq(voiceDrafts.status, 'pending'))).orderBy(desc(voiceDrafts.createdAt)).limit(1)
      : /^[0-9a-f-]{36}$/.test(id)
        ? await ctx.db.select().from(voiceDrafts).where(and(mine, eq(voiceDrafts.id, id)))
        : [];
  if (!draft) throw new DomainError('NOT_FOUND', id === 'latest' ? '没有等待确认的语音跟进。' : '找不到这条语音跟进（只能确认你自己发的语音）。');
  const target = await draftTarget(ctx, draft);
  const status = decision === 'record' ? 'recorded' : 'cancelled';
  // The status change is the claim: of two clicks in flight, one moves it and the other finds it decided.
  const [claimed] = await ctx.db
    .update(voiceDrafts)
    .set({ status, decidedAt: ctx.now })
    .where(and(eq(voiceDrafts.id, draft.id), eq(voiceDrafts.status, 'pending')))
    .returning();
  if (!claimed) return { draft, target, already: draft.status as 'recorded' | 'cancelled' };
  if (decision === 'cancel') return { draft: claimed, target };
  const followUp = await logFollowUp(ctx, target, { kind: draft.kind, summary: draft.summary, ...(draft.nextDueAt ? { nextDueAt: draft.nextDueAt } : {}) });
  const [done] = await ctx.db.update(voiceDrafts).set({ followUpId: followUp.id }).where(eq(voiceDrafts.id, draft.id)).returning();
  return { draft: done!, target, followUp };
}

/** The command that records the same thing typed out, for 修改: the rep edits it and sends it. */
export function draftCommand(ctx: Pick<Ctx, 'timeZone' | 'now'>, d: Pick<VoiceDraft, 'summary' | 'nextDueAt'>, t: { customer: Customer; deal?: Deal }): string {
  const ref = t.deal ? dealShortId(t.deal) : customerShortId(t.customer);
  // An option's value runs to the end of the line, so `下次:12-08 14:00` keeps its time.
  const due = d.nextDueAt ? ` 下次:${formatDate(d.nextDueAt, ctx.timeZone, ctx.now).replace(' 09:00', '')}` : '';
  return `/跟进 ${ref} ${d.summary}${due}`;
}

/** What the card says the draft would record: `记为 D-3「离心泵」华东五金 的跟进：… 下次 12-08 14:00`. */
export function draftLine(ctx: Pick<Ctx, 'timeZone' | 'now'>, d: Pick<VoiceDraft, 'summary' | 'nextDueAt'>, t: { customer: Customer; deal?: Deal }): string {
  const due = d.nextDueAt ? ` 下次 ${formatDate(d.nextDueAt, ctx.timeZone, ctx.now).replace(' 09:00', '')}` : '';
  return `记为 ${draftWhere(t)} 的跟进：${d.summary}${due}`;
}

/** The confirm card; once decided, the same card without buttons and with the outcome. */
export function voiceDraftCard(
  ctx: Pick<Ctx, 'timeZone' | 'now'>,
  d: VoiceDraft,
  t: { customer: Customer; deal?: Deal },
  extra: { amountFen?: number } = {},
): Card {
  const fields = [
    { label: '听到', value: d.transcript },
    { label: '记为', value: draftWhere(t) },
    ...(d.nextDueAt ? [{ label: '下次', value: formatDate(d.nextDueAt, ctx.timeZone, ctx.now) }] : []),
    ...(extra.amountFen ? [{ label: '金额', value: `${formatFen(extra.amountFen)}（写在跟进内容里）` }] : []),
  ];
  const base = { kind: 'voice', title: '语音跟进：请确认', fields, body: draftLine(ctx, d, t) };
  if (d.status === 'recorded') return { ...base, title: '语音跟进：已记录', state: 'success', buttons: [], footer: `已记录 · ${formatDate(d.decidedAt ?? ctx.now, ctx.timeZone, ctx.now)}` };
  if (d.status === 'cancelled') return { ...base, title: '语音跟进：未记录', state: 'neutral', buttons: [], footer: '已取消，没有记录' };
  const button = (n: number, label: string, style: 'primary' | 'default' | 'danger', command: string) => ({
    action: 'voice',
    label,
    style,
    data: encodeActionData({ a: 'voice', id: d.id, n }),
    command,
  });
  return {
    ...base,
    state: 'pending',
    subtitle: '语音识别可能听错，确认后才记录',
    buttons: [button(1, '确认', 'primary', '/语音 确认'), button(2, '修改', 'default', '/语音 修改'), button(3, '取消', 'danger', '/语音 取消')],
  };
}
