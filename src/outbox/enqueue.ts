// Writing outbound messages into the outbox, inside the caller's transaction; the worker delivers them later.
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { OutboundMessage, Platform, SendTarget } from '../adapter.js';
import type { Card } from '../../cards/model.js';
import type { DbOrTx } from '../db/client.js';
import { outbox, tenantIdentities, userIdentities, users } from '../db/schema/index.js';
import { queryRows } from '../db/rows.js';

export type OutboxPayload = { op: 'send'; message: OutboundMessage } | { op: 'update'; card: Card };
/** After a successful send, the worker stores the returned reference (e.g. every copy of an approval card). */
export interface RecordAs {
  subjectKind: string;
  subjectId: string;
  userId?: string;
}

export interface EnqueueInput {
  tenantId: string | null;
  platform: Platform;
  target: SendTarget | { cardRef: string };
  payload: OutboxPayload;
  recordAs?: RecordAs;
  dedupKey?: string;
  notBefore?: Date;
}

/**
 * "Send as soon as possible": the epoch, so a row is due for any sender whatever its clock (tests and
 * catch-up runs use a clock of their own); delayed rows (quiet hours, retries) carry their real time.
 */
const ASAP = new Date(0);

/** Returns the new row id, or undefined when a row with the same dedup key already exists. */
export async function enqueue(db: DbOrTx, input: EnqueueInput): Promise<number | undefined> {
  const rows = await db
    .insert(outbox)
    .values({
      tenantId: input.tenantId,
      platform: input.platform,
      target: input.target,
      payload: input.payload,
      recordAs: input.recordAs ?? null,
      dedupKey: input.dedupKey ?? null,
      nextAttemptAt: input.notBefore ?? ASAP,
    })
    .onConflictDoNothing()
    .returning({ id: outbox.id });
  return rows[0]?.id;
}

/** Sends a message to a user on every platform where we know them. Returns how many copies were queued. */
export async function notifyUser(
  db: DbOrTx,
  tenantId: string,
  userId: string,
  message: OutboundMessage,
  opts: { recordAs?: RecordAs; dedupKey?: string; notBefore?: Date } = {},
): Promise<number> {
  // Someone who left (deactivated, e.g. during a handover) gets nothing; their manager gets it in their place,
  // so reminders about the leaver's deals are not lost in the transition.
  const [person] = await db.select({ active: users.active, managerId: users.managerId, name: users.name }).from(users).where(eq(users.id, userId));
  if (person && !person.active) {
    if (!person.managerId || person.managerId === userId) return 0;
    const [manager] = await db.select({ active: users.active }).from(users).where(eq(users.id, person.managerId));
    if (!manager?.active) return 0;
    const forwarded: OutboundMessage = message.type === 'text' ? { type: 'text', text: `【${person.name} 已停用，转给你】${message.text}` } : message;
    return notifyUser(db, tenantId, person.managerId, forwarded, opts);
  }
  const identities = await db
    .select({
      platform: userIdentities.platform,
      platformUserId: userIdentities.platformUserId,
      tenantKey: sql<string | null>`${tenantIdentities.tenantKey}`,
    })
    .from(userIdentities)
    .leftJoin(
      tenantIdentities,
      and(eq(tenantIdentities.tenantId, userIdentities.tenantId), eq(tenantIdentities.platform, userIdentities.platform)),
    )
    .where(eq(userIdentities.userId, userId));
  let queued = 0;
  for (const idn of identities) {
    const id = await enqueue(db, {
      tenantId,
      platform: idn.platform,
      target: { tenantKey: idn.tenantKey ?? idn.platform, kind: 'user', id: idn.platformUserId },
      payload: { op: 'send', message },
      ...(opts.recordAs ? { recordAs: opts.recordAs } : {}),
      ...(opts.dedupKey ? { dedupKey: `${opts.dedupKey}:${idn.platform}:${idn.platformUserId}` } : {}),
      ...(opts.notBefore ? { notBefore: opts.notBefore } : {}),
    });
    if (id !== undefined) queued++;
  }
  return queued;
}

/**
 * notifyUser for many messages at once (a batch of assigned leads): one identity lookup and one insert for every
 * active recipient; an inactive one goes through notifyUser (forwarded to their manager). Returns copies queued.
 */
export async function notifyUsers(
  db: DbOrTx,
  tenantId: string,
  items: ReadonlyArray<{ userId: string; message: OutboundMessage; dedupKey?: string }>,
): Promise<number> {
  if (items.length === 0) return 0;
  const ids = [...new Set(items.map((i) => i.userId))];
  const people = await db.select({ id: users.id, active: users.active }).from(users).where(inArray(users.id, ids));
  const active = new Set(people.filter((p) => p.active).map((p) => p.id));
  const identities = await db
    .select({
      userId: userIdentities.userId,
      platform: userIdentities.platform,
      platformUserId: userIdentities.platformUserId,
      tenantKey: sql<string | null>`${tenantIdentities.tenantKey}`,
    })
    .from(userIdentities)
    .leftJoin(tenantIdentities, and(eq(tenantIdentities.tenantId, userIdentities.tenantId), eq(tenantIdentities.platform, userIdentities.platform)))
    .where(inArray(userIdentities.userId, [...active]));
  const byUser = new Map<string, typeof identities>();
  for (const idn of identities) byUser.set(idn.userId, [...(byUser.get(idn.userId) ?? []), idn]);
  const rows: Array<{ tenant_id: string; platform: Platform; target: SendTarget; payload: OutboxPayload; dedup_key: string | null }> = [];
  let queued = 0;
  for (const item of items) {
    if (!active.has(item.userId)) {
      queued += await notifyUser(db, tenantId, item.userId, item.message, item.dedupKey ? { dedupKey: item.dedupKey } : {});
      continue;
    }
    for (const idn of byUser.get(item.userId) ?? []) {
      rows.push({
        tenant_id: tenantId,
        platform: idn.platform,
        target: { tenantKey: idn.tenantKey ?? idn.platform, kind: 'user', id: idn.platformUserId },
        payload: { op: 'send', message: item.message },
        dedup_key: item.dedupKey ? `${item.dedupKey}:${idn.platform}:${idn.platformUserId}` : null,
      });
    }
  }
  // One JSON parameter per chunk instead of seven bound values per row: building a 500-row insert value by value
  // cost more than the insert itself.
  for (let i = 0; i < rows.length; i += 1000) {
    const chunk = JSON.stringify(rows.slice(i, i + 1000));
    const inserted = await queryRows<{ id: number }>(
      db,
      sql`insert into outbox (tenant_id, platform, target, payload, dedup_key, next_attempt_at)
          select x.tenant_id, x.platform, x.target, x.payload, x.dedup_key, ${ASAP.toISOString()}::timestamptz
          from jsonb_to_recordset(${chunk}::jsonb) as x(tenant_id uuid, platform platform, target jsonb, payload jsonb, dedup_key text)
          on conflict do nothing returning id`,
    );
    queued += inserted.length;
  }
  return queued;
}
