// The inbox: platform messages are acknowledged as soon as they are durably recorded (one insert, deduplicated on
// the platform's event key), and processed right after by the background loop — so a callback answers in a few
// milliseconds whatever the command costs, a crash after the ack loses nothing, and a retry changes nothing.
// Card clicks stay synchronous: the platform shows our answer (toast, updated card) on the clicker's screen.
import { sql } from 'drizzle-orm';
import type { Dispatch, InboundEvent } from '../adapter.js';
import type { Db } from '../db/client.js';
import { queryRows } from '../db/rows.js';
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

/** The sender a message belongs to: one sender's messages are processed one at a time, in arrival order. */
export const senderKey = (e: Pick<InboundEvent, 'platform' | 'tenantKey' | 'actor'>) => `${e.platform}:${e.tenantKey}:${e.actor.platformUserId}`;

function fromPayload(payload: Record<string, unknown>): InboundEvent {
  return { ...(payload as unknown as InboundEvent), receivedAt: new Date(String(payload.receivedAt)) };
}

type InboxRow = { platform: InboundEvent['platform']; eventKey: string; payload: Record<string, unknown>; senderKey: string };

/**
 * The acknowledging insert, written out: drizzle's insert builder cost ≈ 45 µs of CPU per call to produce this
 * same statement, about a tenth of an acknowledgement (test/bench/cpu.ts). Columns not named keep their defaults.
 */
function insertRows(rows: InboxRow[]) {
  const values = rows.map((r) => sql`(${r.platform}, ${r.eventKey}, 'pending', ${JSON.stringify(r.payload)}::jsonb, ${r.senderKey})`);
  return sql`insert into inbound_events (platform, event_key, status, payload, sender_key) values ${sql.join(values, sql`, `)}
    on conflict do nothing returning platform, event_key`;
}

/**
 * Records inbox rows, several callbacks to one INSERT (one commit) while the previous one is being written: an
 * idle server writes each at once, a busy one stops paying a commit per callback. Each caller is answered only
 * after its own row is durable; rows keep their arrival order (ids follow the VALUES order), and a platform
 * retry arriving in the same batch is dropped by ON CONFLICT like any other.
 */
function createRecorder(db: Db, maxBatch = 100) {
  let queue: Array<{ row: InboxRow; done: (inserted: boolean) => void; fail: (err: unknown) => void }> = [];
  let writing = false;
  async function flush() {
    writing = true;
    while (queue.length > 0) {
      const batch = queue.slice(0, maxBatch);
      queue = queue.slice(batch.length);
      try {
        const inserted = await queryRows<{ platform: string; event_key: string }>(db, insertRows(batch.map((b) => b.row)));
        const keys = new Set(inserted.map((r) => `${r.platform}\u0000${r.event_key}`));
        for (const b of batch) b.done(keys.delete(`${b.row.platform}\u0000${b.row.eventKey}`));
      } catch (err) {
        for (const b of batch) b.fail(err);
      }
    }
    writing = false;
  }
  return (row: InboxRow) =>
    new Promise<boolean>((done, fail) => {
      queue.push({ row, done, fail });
      if (!writing) void flush();
    });
}

/** A Dispatch that records messages in the inbox and answers at once; clicks and console input run inline. */
export function createInboxDispatch(deps: InboxDeps): Dispatch {
  const inline = createDispatch(deps);
  const record = createRecorder(deps.db);
  return async (incoming) => {
    if (incoming.type !== 'message' || incoming.platform === 'console') return inline(incoming);
    // Gated before the insert: jsonb refuses NUL and lone surrogates, which made every retry of such a message fail.
    const event = gateEvent(incoming);
    const inserted = await record({ platform: event.platform, eventKey: event.eventKey, payload: toPayload(event), senderKey: senderKey(event) });
    if (inserted) deps.onAccepted?.();
    return {};
  };
}

/** How the drainers of one process share out the work (src/background.ts). */
export interface DrainerSlot {
  /** This drainer's number (0-based) and how many the process runs: each starts at its own place in the list. */
  index: number;
  count: number;
  /** Senders a drainer of this process is running now: the others skip them without asking the database. */
  busy: Set<string>;
  /** Waited for before each message (acknowledgements first, src/server/ack-priority.ts). */
  turn?: () => Promise<void> | undefined;
  /** Once true, the drainer returns after the message it is running (shutdown). */
  stopping?: () => boolean;
}

// The oldest pending message of every sender, oldest first: a skip scan over the pending (sender_key, id) index,
// one probe per sender, instead of reading every pending row (O(backlog) per lookup, and a one-sender backlog of
// 2,600 rows made every message cost a scan of all of them).
const CANDIDATES = sql`with recursive s(k) as (
    (select sender_key from inbound_events where status = 'pending' order by sender_key limit 1)
    union all
    select (select sender_key from inbound_events where status = 'pending' and sender_key > s.k order by sender_key limit 1) from s where s.k is not null)
  select e.id, e.sender_key as user_key, e.payload from s
  cross join lateral (select id, sender_key, payload from inbound_events where status = 'pending' and sender_key = s.k order by id limit 1) e
  where s.k is not null
  order by e.id limit 50`;

/**
 * Processes pending inbox rows until none is left (or `limit` were handled); returns how many it did.
 * Any number of drainers, in any number of processes, may run at once: each takes the oldest pending message of
 * a sender whose user lock (a transaction-scoped advisory lock on the sender key) it gets, so one sender's
 * messages run strictly in arrival order while different senders run in parallel. The message is marked done
 * in the same transaction as its effects. Once `stopping()` is true it returns after the message it is running.
 */
export async function drainInbox(db: Db, deps: DispatchDeps, limit = 500, slot: DrainerSlot = { index: 0, count: 1, busy: new Set() }): Promise<number> {
  let done = 0;
  while (done < limit && !slot.stopping?.()) {
    const found = await queryRows<{ id: number; user_key: string; payload: unknown }>(db, CANDIDATES);
    if (found.length === 0) break;
    // Drainers of one process start at different places, so they do not all reach for the same sender first.
    const start = (slot.index * Math.ceil(found.length / slot.count)) % found.length;
    const candidates = [...found.slice(start), ...found.slice(0, start)];
    let progressed = false;
    for (const c of candidates) {
      if (done >= limit || slot.stopping?.()) break; // shutting down: the message we ran is committed, the rest waits
      if (slot.busy.has(c.user_key)) continue; // a drainer of this process is on this sender
      const wait = slot.turn?.();
      if (wait) await wait;
      if (slot.busy.has(c.user_key)) continue;
      slot.busy.add(c.user_key);
      try {
        if (await runOne(db, deps, c)) {
          done++;
          progressed = true;
        }
      } finally {
        slot.busy.delete(c.user_key);
      }
    }
    if (!progressed) break; // every waiting sender is being served by another drainer
  }
  if (done > 0) deps.onQueued?.();
  return done;
}

/** Runs one candidate under its sender's lock; false when another drainer holds that sender or ran it first. */
async function runOne(db: Db, deps: DispatchDeps, c: { id: number; user_key: string; payload: unknown }): Promise<boolean> {
  const event = fromPayload((typeof c.payload === 'string' ? JSON.parse(c.payload) : c.payload) as Record<string, unknown>);
  // Outside the transaction: the directory lookup may use the database (token cache), and PGlite has one
  // connection — a query waiting on our own open transaction would never run.
  const displayName = event.actor.displayName ?? (await directoryName(deps, event));
  return db.transaction(async (tx) => {
    const [lock] = await queryRows<{ ok: boolean }>(tx, sql`select pg_try_advisory_xact_lock(hashtextextended(${c.user_key}, 7)) as ok`);
    if (!lock?.ok) return false; // another drainer is on this sender; take the next one
    // Holding the sender's lock: the row is still ours to run only if it is still that sender's oldest.
    const claimed = await queryRows<{ id: number }>(
      tx,
      sql`update inbound_events set status = 'done', payload = null
          where id = (select id from inbound_events where status = 'pending' and sender_key = ${c.user_key} order by id limit 1 for update skip locked)
            and id = ${c.id}
          returning id`,
    );
    if (claimed.length === 0) return false;
    await processEvent(tx, deps, event, displayName);
    return true;
  });
}

/** How many messages wait in the inbox (health and tests). */
export async function pendingInbox(db: Db): Promise<number> {
  const [r] = await queryRows<{ n: number }>(db, sql`select count(*)::int as n from inbound_events where status = 'pending'`);
  return Number(r?.n ?? 0);
}
