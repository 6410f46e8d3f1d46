// Every copy of a card we sent about one subject (an approval request, a handover: each recipient, each platform)
// updated in place to the subject's latest state. Copies a platform cannot update get a short text instead.
import { and, eq, sql } from 'drizzle-orm';
import type { Card } from '../../cards/model.js';
import type { DbOrTx } from '../db/client.js';
import { outbox, sentCards } from '../db/schema/index.js';
import { enqueue, notifyUser } from '../outbox/enqueue.js';

export interface CardCopiesUpdate {
  tenantId: string;
  /** Who caused the update: never told by text (their own screen shows the result). */
  actorUserId: string;
  subject: { kind: 'approval' | 'handover'; id: string };
  card: Card;
  /** The outbox dedup key of one copy's update (a retried event queues nothing twice). */
  dedupKey: (copyId: string) => string;
  /** An intermediate state (more decisions to come) rather than the final one. */
  progress?: boolean;
  /** Said once to each recipient whose copy cannot be updated (final state only). */
  textForUnupdatable?: string;
}

export async function updateCardCopies(db: DbOrTx, u: CardCopiesUpdate): Promise<void> {
  const told = new Set<string>();
  const copies = await db
    .select()
    .from(sentCards)
    .where(and(eq(sentCards.subjectKind, u.subject.kind), eq(sentCards.subjectId, u.subject.id)));
  for (const copy of copies) {
    if (!copy.cardRef) {
      if (!u.progress && u.textForUnupdatable && copy.userId && copy.userId !== u.actorUserId && !told.has(copy.userId)) {
        told.add(copy.userId);
        await notifyUser(db, u.tenantId, copy.userId, { type: 'text', text: u.textForUnupdatable });
      }
      continue;
    }
    // A WeCom response_code updates a card once (WeCom doc 94888, 更新模版卡片消息): it is kept for the final state, and the
    // clicker's own WeCom card is answered in place by the click.
    if (u.progress && copy.platform === 'wecom') continue;
    // Each update carries the card's full latest state, so one still waiting to be sent is superseded rather
    // than delivered after (or alongside) the newer one: updates to one card never arrive out of order.
    await db
      .delete(outbox)
      .where(
        and(
          eq(outbox.tenantId, u.tenantId),
          eq(outbox.status, 'pending'),
          sql`${outbox.payload}->>'op' = 'update'`,
          sql`${outbox.target}->>'cardRef' = ${copy.cardRef}`,
        ),
      );
    await enqueue(db, {
      tenantId: u.tenantId,
      platform: copy.platform,
      target: { cardRef: copy.cardRef },
      payload: { op: 'update', card: u.card },
      dedupKey: u.dedupKey(copy.id),
    });
  }
}
