// Daily housekeeping: the tables that only need recent history stop growing forever. Platform retries arrive
// within hours, so 30 days of event ids is ample dedup; sent outbox rows and per-minute scheduler claims are
// only useful for a while for troubleshooting; an import's problems file is for fixing that file's rows, soon after.
// Claimed once a day across instances.
import { rmSync } from 'node:fs';
import { basename } from 'node:path';
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { at, queryRows } from '../db/rows.js';
import { claimSlot } from './claim.js';

const DAY = 86_400_000;
export const RETENTION = {
  inboundEventsDays: 30,
  sentOutboxDays: 30,
  schedulerMinuteClaimsDays: 2,
  schedulerDailyClaimsDays: 90,
  /** An import's problems file (DATA_DIR/imports/), by the job's end; its row stays, saying what was imported. */
  importFilesDays: 30,
  /** …and the row itself. */
  importJobsDays: 365,
} as const;
/** Only files the import jobs named are removed (src/import/jobs.ts), whatever a row's path says. */
const PROBLEMS_FILE = /^problems-[0-9a-f-]{36}\.csv$/;
/**
 * A DingTalk (timestamp, sign) pair is accepted for ±2 min of its timestamp (bots/dingtalk/verify.ts
 * TIMESTAMP_WINDOW_MS); its ledger row must outlive that, plus a day of margin for clock skew between instances.
 * Kept here as a number because src/ does not import bots/; test/scheduler/housekeeping.test.ts checks it covers the window.
 */
export const DINGTALK_SIGN_RETENTION_MS = 2 * 60_000 + DAY;

export async function runHousekeeping(db: Db, now: Date, instanceId: string): Promise<{ events: number; outbox: number; claims: number; signatures: number; importFiles: number } | undefined> {
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
  const importFiles = await removeImportFiles(db, before(RETENTION.importFilesDays));
  await deleted(sql`delete from import_jobs where status <> 'running' and started_at < ${at(before(RETENTION.importJobsDays))}`);
  return { events, outbox, claims, signatures, importFiles };
}

/**
 * Problems files of jobs that ended before `cut`: removed from this server's disk, and the rows say so (the
 * download answers that the file is gone). On several servers each removes its own; another's path is no file here.
 */
async function removeImportFiles(db: Db, cut: Date): Promise<number> {
  const rows = await queryRows<{ id: string; problems_path: string }>(
    db,
    sql`with old as (select id, problems_path from import_jobs where problems_path is not null and status <> 'running' and finished_at < ${at(cut)}),
             cleared as (update import_jobs j set problems_path = null from old where j.id = old.id)
        select id, problems_path from old`,
  );
  for (const r of rows) if (PROBLEMS_FILE.test(basename(r.problems_path))) rmSync(r.problems_path, { force: true });
  return rows.length;
}
