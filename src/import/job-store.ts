// The import jobs' rows (table import_jobs): a job as the API shows it ↔ its row, and the start-up sweep that marks
// the jobs a stopped or killed process left `running` as interrupted. Used by jobs.ts only; it writes no other table.
import { and, eq, lt, or } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { importJobs } from '../db/schema/index.js';
import type { ImportOutput } from './job.js';
import type { ImportProgress } from './progress.js';

export interface ImportJobView {
  id: string;
  status: 'running' | 'done' | 'failed' | 'interrupted';
  apply: boolean;
  /** The tenant the job writes to, when known (the CLI names it by name: known when the job ends). */
  tenantId?: string;
  startedAt: string;
  finishedAt?: string;
  seconds?: number;
  progress: ImportProgress & { percent: number };
  /** The summary (done): counts per outcome and the first problem rows. */
  result?: ImportOutput['summary'];
  /** Why it failed or stopped, in Chinese; `userError`: the file or the request is at fault (HTTP 422), not the server. */
  error?: string;
  userError?: boolean;
  /** The longest the event loop waited during the job (perf_hooks.monitorEventLoopDelay), wall clock. */
  maxEventLoopDelayMs?: number;
  /**
   * The same, counting only the CPU the main thread used meanwhile: a wait while the machine ran other processes is
   * not this process blocking (on a busy 2-core machine the wall figure is mostly other processes' turns).
   */
  maxBusyStallMs?: number;
  /** Rows in the problems file (customers); download with …/imports/:id/problems.csv. */
  problemRows?: number;
}

/** Who started a job: the dashboard (its admin's user id), the admin API (bearer token) or the CLI (loopback key). */
export interface ImportOrigin {
  via: 'dashboard' | 'admin API' | 'CLI';
  userId?: string;
}

export const INTERRUPTED =
  '导入在服务器重启时中断：已写入的批次会保留，重新导入同一文件即可继续（已导入的行会被识别为已存在）。';

/**
 * A running job's row is rewritten at least this often (jobs.ts HEARTBEAT_MS); one older than this on PostgreSQL
 * belongs to a process that is gone (several servers may share the database, each with its own running job).
 */
export const STALE_MS = 2 * 60_000;

type Row = typeof importJobs.$inferSelect;
interface Stats {
  seconds?: number;
  maxEventLoopDelayMs?: number;
  maxBusyStallMs?: number;
}

export function createJobStore(db: Db, instanceId: string, now: () => Date) {
  const progressCols = (p: ImportJobView['progress']) => ({
    phase: p.phase,
    rowsRead: p.rowsRead,
    rowsWritten: p.rowsWritten,
    bytesRead: p.bytesRead,
    totalBytes: p.totalBytes,
    percent: p.percent,
  });
  const interrupt = (where: ReturnType<typeof and>) =>
    db
      .update(importJobs)
      .set({ status: 'interrupted', error: INTERRUPTED, userError: false, finishedAt: now() })
      .where(and(eq(importJobs.status, 'running'), where))
      .returning({ id: importJobs.id });

  return {
    async insert(view: ImportJobView, kind: string | undefined, origin: ImportOrigin): Promise<void> {
      const t = new Date(view.startedAt);
      await db.insert(importJobs).values({
        id: view.id,
        tenantId: view.tenantId ?? null,
        kind: kind ?? null,
        apply: view.apply,
        startedById: origin.userId ?? null,
        startedVia: origin.via,
        instanceId,
        status: 'running',
        ...progressCols(view.progress),
        startedAt: t,
        heartbeatAt: t,
      });
    },
    /** Progress and heartbeat of a running job (a row another process already closed is left alone). */
    async progress(view: ImportJobView): Promise<void> {
      await db
        .update(importJobs)
        .set({ ...progressCols(view.progress), heartbeatAt: now() })
        .where(and(eq(importJobs.id, view.id), eq(importJobs.status, 'running')));
    },
    /** The result, whatever the row says meanwhile: the process that ran the job knows best. */
    async finish(view: ImportJobView, output: ImportOutput | undefined, problemsPath: string | undefined): Promise<void> {
      const stats: Stats = {
        ...(view.seconds !== undefined ? { seconds: view.seconds } : {}),
        ...(view.maxEventLoopDelayMs !== undefined ? { maxEventLoopDelayMs: view.maxEventLoopDelayMs } : {}),
        ...(view.maxBusyStallMs !== undefined ? { maxBusyStallMs: view.maxBusyStallMs } : {}),
      };
      await db
        .update(importJobs)
        .set({
          status: view.status,
          ...progressCols(view.progress),
          ...(output ? { summary: output.summary, info: output.info, report: output.report, kind: output.summary.kind } : {}),
          ...(view.tenantId ? { tenantId: view.tenantId } : {}),
          error: view.error ?? null,
          userError: view.userError === true,
          stats,
          problemRows: view.problemRows ?? null,
          problemsPath: problemsPath ?? null,
          heartbeatAt: now(),
          finishedAt: view.finishedAt ? new Date(view.finishedAt) : now(),
        })
        .where(eq(importJobs.id, view.id));
    },
    async read(id: string): Promise<Row | undefined> {
      const [row] = await db.select().from(importJobs).where(eq(importJobs.id, id));
      if (row?.status !== 'running' || row.heartbeatAt.getTime() >= now().getTime() - STALE_MS) return row;
      // Its process stopped writing it: nobody will finish it.
      await interrupt(eq(importJobs.id, id));
      return this.read(id);
    },
    /**
     * At start-up: jobs this instance left running (it was stopped or killed), or whose process stopped beating.
     * `all`: every running job (PGlite — the data directory's lock makes this the only process).
     */
    async sweep(all: boolean): Promise<string[]> {
      const rows = await interrupt(all ? undefined : or(eq(importJobs.instanceId, instanceId), lt(importJobs.heartbeatAt, new Date(now().getTime() - STALE_MS))));
      return rows.map((r) => r.id);
    },
  };
}
export type JobStore = ReturnType<typeof createJobStore>;

/** The view of a job read back from its row (no process holds it in memory). */
export function viewOfRow(row: Row): ImportJobView {
  const stats = (row.stats ?? {}) as Stats;
  return {
    id: row.id,
    status: row.status,
    apply: row.apply,
    ...(row.tenantId ? { tenantId: row.tenantId } : {}),
    startedAt: row.startedAt.toISOString(),
    ...(row.finishedAt ? { finishedAt: row.finishedAt.toISOString() } : {}),
    ...(stats.seconds !== undefined ? { seconds: stats.seconds } : {}),
    progress: { phase: row.phase, rowsRead: row.rowsRead, rowsWritten: row.rowsWritten, bytesRead: row.bytesRead, totalBytes: row.totalBytes, percent: row.percent },
    ...(row.summary ? { result: row.summary as ImportOutput['summary'] } : {}),
    ...(row.error ? { error: row.error } : {}),
    ...(row.userError ? { userError: true } : {}),
    ...(stats.maxEventLoopDelayMs !== undefined ? { maxEventLoopDelayMs: stats.maxEventLoopDelayMs } : {}),
    ...(stats.maxBusyStallMs !== undefined ? { maxBusyStallMs: stats.maxBusyStallMs } : {}),
    ...(row.problemRows !== null ? { problemRows: row.problemRows } : {}),
  };
}

/** What the CLI prints for a finished job read back from its row. */
export function outputOfRow(row: Row): ImportOutput | undefined {
  return row.summary && row.info !== null && row.report !== null ? { info: row.info, report: row.report, summary: row.summary as ImportOutput['summary'] } : undefined;
}
