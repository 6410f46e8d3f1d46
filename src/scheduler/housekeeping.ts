// Daily housekeeping: the tables that only need recent history stop growing forever. Platform retries arrive
// within hours, so 30 days of event ids is ample dedup; sent outbox rows and per-minute scheduler claims are
// only useful for a while for troubleshooting. Claimed once a day across instances.
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { at, queryRows } from '../db/rows.js';
import { claimSlot } from './claim.js';

const DAY = 86_400_000;
export const RETENTION = { inboundEventsDays: 30, sentOutboxDays: 30, schedulerMinuteClaimsDays: 2, schedulerDailyClaimsDays: 90 } as const;
/**
 * A DingTalk (timestamp, sign) pair is accepted for ±2 min of its timestamp (bots/dingtalk/verify.ts
 * TIMESTAMP_WINDOW_MS); its ledger row must outlive that, plus a day of margin for clock skew between instances.
 * Kept here as a number because src/ does not import bots/; test/scheduler/housekeeping.test.ts checks it covers the window.
 */
export const DINGTALK_SIGN_RETENTION_MS = 2 * 60_000 + DAY;

export async function runHousekeeping(db: Db, now: Date, instanceId: string): Promise<{ events: number; outbox: number; claims: number; signatures: number } | undefined> {
  if (!(await claimSlot(db, 'housekeeping', now.toISOString().slice(0, 10), instanceId))) return undefined;
  const before = (days: number) => new Date(now.getTime() - days * DAY);
  const deleted = async (statement: ReturnType<typeof sql>) =>
    Number((await queryRows<{ n: number }>(db, sql`with d as (${statement} returning 1) select count(*)::int as n from d`))[0]?.n ?? 0);
  const events = await deleted(sql`delete from inbound_events where status = 'done' and created_at < ${at(before(RETENTION.inboundEventsDays))}`);
  const outbox = await deleted(sql`delete from outbox where status = 'sent' and sent_at < ${at(before(RETENTION.sentOutboxDays))}`);
  // Per-minute rule claims have slots like 2026-11-25T08:01; daily ones (digests, housekeeping) like 2026-11-25.
  const minuteCut = before(RETENTION.schedulerMinuteClaimsDays).toISOString().slice(0, 16);
  const dayCut = before(RETENTION.schedulerDailyClaimsDays).toISOString().slice(0, 10);
  const claims = await deleted(sql`delete from scheduler_runs where (length(slot) > 10 and slot < ${minuteCut}) or (length(slot) <= 10 and slot < ${dayCut})`);
  // By the signed header timestamp (ms), the value acceptance is decided on; rows that are not digits cannot exist.
  const signCut = now.getTime() - DINGTALK_SIGN_RETENTION_MS;
  const signatures = await deleted(sql`delete from dingtalk_signatures where timestamp ~ '^[0-9]{1,15}$' and timestamp::bigint < ${signCut}`);
  // Dashboard sign-in rows (src/services/web-sessions.ts): links and sessions a day past their expiry or use.
  await deleted(sql`delete from web_sessions where expires_at < ${at(before(1))} or used_at < ${at(before(1))}`);
  return { events, outbox, claims, signatures };
}
