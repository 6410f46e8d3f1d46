// The outbox sender: claims due rows with FOR UPDATE SKIP LOCKED (several senders share the work), delivers them
// through the adapters under a per-app rate limit, retries with backoff, and marks permanent failures dead.
// src/background.ts runs one worker per (platform, app) lane, so a slow or hung platform delays only its own rows.
import { eq, sql } from 'drizzle-orm';
import { AdapterError, type ChatAdapter, type Platform, type SendTarget } from '../adapter.js';
import type { Db } from '../db/client.js';
import { outboxIdempotencyKey } from '../db/install-id.js';
import { at, queryRows } from '../db/rows.js';
import { outbox, sentCards } from '../db/schema/index.js';
import type { OutboxPayload, RecordAs } from './enqueue.js';
import { RateLimiter } from './rate-limit.js';

export interface OutboxRow {
  id: number;
  tenant_id: string | null;
  platform: Platform;
  target: SendTarget | { cardRef: string };
  payload: OutboxPayload;
  record_as: RecordAs | null;
  attempts: number;
}

export interface WorkerOptions {
  db: Db;
  adapters: ChatAdapter[];
  now?: () => Date;
  batchSize?: number;
  /** Messages per second per platform app (default DEFAULT_RATE_PER_SECOND). */
  ratePerSecond?: Partial<Record<Platform, number>>;
  maxAttempts?: number;
  /** A claimed row is retried by anyone after this long (a sender that crashed mid-send). */
  leaseMs?: number;
  log?: { warn(obj: object, msg?: string): void; error(obj: object, msg?: string): void };
  /**
   * When two adapters share a platform (WeCom's self-built app and smart robot), which of its rows this lane takes:
   * the sharing adapter's rows (`mine`: addressed `via` its app, or group rows addressed to nobody except to
   * `groupsElsewhere`), or all the others.
   */
  split?: { via: string; groupsElsewhere: string[]; mine: boolean };
}

/**
 * Documented send limits per app (the platforms' message-API docs): WeCom 10,000 calls/min per API per corp
 * (and 30/min per member); Feishu message create 1,000/min and 50/s per app; DingTalk publishes no number, so we
 * stay at a conservative 20/s. Override with CHATCRM_RATE_<PLATFORM>.
 */
export const DEFAULT_RATE_PER_SECOND: Record<Platform, number> = { wecom: 100, feishu: 15, dingtalk: 20, console: 1000 };

/** Exponential backoff: 2 s, 4 s, 8 s … capped at 10 minutes. */
export const backoffMs = (attempt: number) => Math.min(600_000, 1000 * 2 ** Math.max(1, attempt));

export function createOutboxWorker(opts: WorkerOptions) {
  const now = opts.now ?? (() => new Date());
  const adapters = new Map(opts.adapters.map((a) => [a.platform, a]));
  const limiters = new Map<Platform, RateLimiter>();
  const limiter = (p: Platform) => {
    let l = limiters.get(p);
    if (!l) limiters.set(p, (l = new RateLimiter(opts.ratePerSecond?.[p] ?? DEFAULT_RATE_PER_SECOND[p], 1)));
    return l;
  };
  const maxAttempts = opts.maxAttempts ?? 8;
  const leaseMs = opts.leaseMs ?? 60_000;

  const split = opts.split;
  const shared = split
    ? sql`(coalesce(target->>'via', '') = ${split.via} or (target->>'via' is null and target->>'kind' = 'group'${
        split.groupsElsewhere.length > 0 ? sql` and target->>'id' not in (${sql.join(split.groupsElsewhere.map((g) => sql`${g}`), sql`, `)})` : sql``
      }))`
    : undefined;
  const laneFilter = shared ? (split!.mine ? sql` and ${shared}` : sql` and not ${shared}`) : sql``;

  async function claim(limit: number): Promise<OutboxRow[]> {
    const t = now();
    return queryRows<OutboxRow>(
      opts.db,
      sql`update outbox set status = 'sending', attempts = attempts + 1,
            locked_until = ${at(new Date(t.getTime() + leaseMs))}
          where id in (
            select id from outbox
            where status in ('pending', 'sending') and next_attempt_at <= ${at(t)}
              and platform::text in ${sql.raw(`(${[...adapters.keys()].map((p) => `'${p}'`).join(', ') || "''"})`)}
              and (locked_until is null or locked_until <= ${at(t)})${laneFilter}
            order by next_attempt_at, id
            limit ${limit}
            for update skip locked)
          returning id, tenant_id, platform, target, payload, record_as, attempts`,
    );
  }

  async function deliver(row: OutboxRow, stopping: () => boolean = () => false): Promise<void> {
    const adapter = adapters.get(row.platform);
    if (!adapter) return markDead(row, `平台 ${row.platform} 未启用`);
    try {
      await limiter(row.platform).take();
      // Shutting down and not sent yet: hand the row back now rather than leave it to the lease.
      if (stopping()) return await release(row);
      if (row.payload.op === 'update') {
        await adapter.updateCard((row.target as { cardRef: string }).cardRef, row.payload.card);
        await markSent(row);
      } else {
        const ref = await adapter.send(row.target as SendTarget, row.payload.message, { idempotencyKey: await outboxIdempotencyKey(opts.db, row.id) });
        // Nothing to record: one statement (a transaction around it cost a begin and a commit more).
        if (!(row.record_as && row.tenant_id)) return await markSent(row);
        await opts.db.transaction(async (tx) => {
          if (row.record_as && row.tenant_id) {
            await tx.insert(sentCards).values({
              tenantId: row.tenant_id,
              subjectKind: row.record_as.subjectKind,
              subjectId: row.record_as.subjectId,
              userId: row.record_as.userId ?? null,
              platform: row.platform,
              messageId: ref.messageId ?? null,
              cardRef: ref.cardRef ?? null,
            });
          }
          await tx.update(outbox).set({ status: 'sent', sentAt: now(), lockedUntil: null, lastError: null }).where(eq(outbox.id, row.id));
        });
      }
    } catch (err) {
      await onFailure(row, err);
    }
  }

  async function release(row: OutboxRow) {
    await opts.db
      .update(outbox)
      .set({ status: 'pending', attempts: sql`greatest(${outbox.attempts} - 1, 0)`, lockedUntil: null })
      .where(eq(outbox.id, row.id));
  }

  async function markSent(row: OutboxRow) {
    await opts.db.update(outbox).set({ status: 'sent', sentAt: now(), lockedUntil: null, lastError: null }).where(eq(outbox.id, row.id));
  }

  async function markDead(row: OutboxRow, error: string) {
    opts.log?.error({ outboxId: row.id, platform: row.platform, tenantId: row.tenant_id, error }, 'outbox message dead');
    await opts.db.update(outbox).set({ status: 'dead', lastError: error.slice(0, 1000), lockedUntil: null }).where(eq(outbox.id, row.id));
  }

  async function onFailure(row: OutboxRow, err: unknown) {
    const retryable = err instanceof AdapterError ? err.retryable : true;
    const message = err instanceof AdapterError ? `${err.code}: ${err.message}` : String((err as Error)?.message ?? err);
    // Not a platform's answer: our bug or the database; keep the stack.
    if (!(err instanceof AdapterError)) opts.log?.error({ err, outboxId: row.id, platform: row.platform, tenantId: row.tenant_id }, 'outbox delivery failed unexpectedly');
    if (!retryable || row.attempts >= maxAttempts) return markDead(row, message);
    const wait = err instanceof AdapterError && err.retryAfterMs ? err.retryAfterMs : backoffMs(row.attempts);
    opts.log?.warn({ outboxId: row.id, platform: row.platform, tenantId: row.tenant_id, attempt: row.attempts, wait, error: message }, 'outbox retry');
    await opts.db
      .update(outbox)
      .set({ status: 'pending', nextAttemptAt: new Date(now().getTime() + wait), lockedUntil: null, lastError: message.slice(0, 1000) })
      .where(eq(outbox.id, row.id));
  }

  /**
   * Delivers everything due now; returns how many rows were attempted. Once `stopping()` is true, a send already
   * under way finishes, claimed rows not yet sent are handed back, and no new batch is claimed.
   */
  async function drain(stopping: () => boolean = () => false): Promise<number> {
    let total = 0;
    while (!stopping()) {
      const rows = await claim(opts.batchSize ?? 20);
      if (rows.length === 0) return total;
      total += rows.length;
      // Rows to different chats go out together; rows to one chat one after another, in queue order, so a chat
      // reads them as queued (a digest's text before its chart picture).
      const byTarget = new Map<string, OutboxRow[]>();
      // `update … returning` hands rows back in no particular order: queue order is the id.
      for (const row of [...rows].sort((a, b) => Number(a.id) - Number(b.id))) {
        const key = `${row.platform}:${JSON.stringify(row.target)}`;
        const list = byTarget.get(key);
        if (list) list.push(row);
        else byTarget.set(key, [row]);
      }
      await Promise.all([...byTarget.values()].map(async (list) => {
        for (const row of list) await deliver(row, stopping);
      }));
    }
    return total;
  }

  return { drain, claim, deliver };
}

export type OutboxWorker = ReturnType<typeof createOutboxWorker>;
