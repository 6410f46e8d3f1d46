// The inbox: platform messages are acknowledged as soon as they are durably recorded (one insert, deduplicated on
// the platform's event key), and processed right after by the background loop — so a callback answers in a few
// milliseconds whatever the command costs, a crash after the ack loses nothing, and a retry changes nothing.
// Card clicks stay synchronous: the platform shows our answer (toast, updated card) on the clicker's screen.
import { sql } from 'drizzle-orm';
import type { Dispatch, InboundEvent } from '../../bots/adapter.js';
import type { Db } from '../db/client.js';
import { queryRows } from '../db/rows.js';
import { inboundEvents } from '../db/schema/index.js';
import { createDispatch, directoryName, processEvent, type DispatchDeps } from './dispatch.js';
import { gateEvent } from './gate.js';

export interface InboxDeps extends DispatchDeps {
  /** Called after a message was recorded (wakes the background loop). */
  onAccepted?: () => void;
}

/** Serialised form of an event in `inbound_events.payload` (dates as ISO strings, no raw platform data). */
function toPayload(event: InboundEvent): Record<string, unknown> {
  const { raw: _raw, receivedAt, ...rest } = event;
  return { ...rest, receivedAt: receivedAt.toISOString() };
}

function fromPayload(payload: Record<string, unknown>): InboundEvent {
  return { ...(payload as unknown as InboundEvent), receivedAt: new Date(String(payload.receivedAt)) };
}

/** A Dispatch that records messages in the inbox and answers at once; clicks and console input run inline. */
export function createInboxDispatch(deps: InboxDeps): Dispatch {
  const inline = createDispatch(deps);
  return async (incoming) => {
    if (incoming.type !== 'message' || incoming.platform === 'console') return inline(incoming);
    // Gated before the insert: jsonb refuses NUL and lone surrogates, which made every retry of such a message fail.
    const event = gateEvent(incoming);
    const inserted = await deps.db
      .insert(inboundEvents)
      .values({ platform: event.platform, eventKey: event.eventKey, status: 'pending', payload: toPayload(event) })
      .onConflictDoNothing()
      .returning({ id: inboundEvents.id });
    if (inserted.length > 0) deps.onAccepted?.();
    return {};
  };
}

/**
 * Processes pending inbox rows in arrival order, each in its own transaction that also marks it done, until none
 * is left (or `limit` were handled). Several processes may drain at once (SKIP LOCKED); returns how many it did.
 */
export async function drainInbox(db: Db, deps: DispatchDeps, limit = 500): Promise<number> {
  let done = 0;
  let after = 0;
  while (done < limit) {
    const [next] = await queryRows<{ id: number; payload: unknown }>(
      db,
      sql`select id, payload from inbound_events where status = 'pending' and id > ${after} order by id limit 1`,
    );
    if (!next) break;
    after = Number(next.id);
    const event = fromPayload((typeof next.payload === 'string' ? JSON.parse(next.payload) : next.payload) as Record<string, unknown>);
    // Outside the transaction: the directory lookup may use the database (token cache), and PGlite has one
    // connection — a query waiting on our own open transaction would never run.
    const displayName = event.actor.displayName ?? (await directoryName(deps, event));
    const handled = await db.transaction(async (tx) => {
      // Another drainer may have taken it meanwhile: claim it in one statement, or move on.
      const claimed = await queryRows<{ id: number }>(
        tx,
        sql`update inbound_events set status = 'done', payload = null
            where id = (select id from inbound_events where id = ${after} and status = 'pending' for update skip locked)
            returning id`,
      );
      if (claimed.length === 0) return false;
      await processEvent(tx, deps, event, displayName);
      return true;
    });
    if (handled) done++;
  }
  if (done > 0) deps.onQueued?.();
  return done;
}

/** How many messages wait in the inbox (health and tests). */
export async function pendingInbox(db: Db): Promise<number> {
  const [r] = await queryRows<{ n: number }>(db, sql`select count(*)::int as n from inbound_events where status = 'pending'`);
  return Number(r?.n ?? 0);
}
