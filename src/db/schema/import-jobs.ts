// CSV import jobs (src/import/jobs.ts): one row per run, written at start, its progress at most about once a
// second, its result at the end — so a job's view and its problems file outlive the process that ran it.
import { boolean, index, integer, jsonb, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { ts } from './columns.js';
import { tenants } from './tenants.js';
import { users } from './users.js';

export const importJobs = pgTable(
  'import_jobs',
  {
    id: uuid('id').primaryKey(),
    /** Known at start from the admin API and the dashboard; for the CLI (tenant by name, or the first) at the end. */
    tenantId: uuid('tenant_id').references(() => tenants.id),
    /** customers, users, plans, receipts, targets; null until the file's headers decide it. */
    kind: text('kind'),
    apply: boolean('apply').notNull(),
    /** The dashboard admin who started it; null for the admin API and the CLI (see `startedVia`). */
    startedById: uuid('started_by_id').references(() => users.id),
    startedVia: text('started_via', { enum: ['dashboard', 'admin API', 'CLI'] }).notNull(),
    /** The server instance running it (heartbeatAt says it is still alive). */
    instanceId: text('instance_id').notNull(),
    status: text('status', { enum: ['running', 'done', 'failed', 'interrupted'] }).notNull(),
    phase: text('phase', { enum: ['scan', 'check', 'apply'] }).notNull(),
    rowsRead: integer('rows_read').notNull().default(0),
    rowsWritten: integer('rows_written').notNull().default(0),
    bytesRead: integer('bytes_read').notNull().default(0),
    totalBytes: integer('total_bytes').notNull().default(0),
    percent: integer('percent').notNull().default(0),
    /** ImportOutput['summary'] (done). */
    summary: jsonb('summary'),
    /** The CLI's lines: where the data went (`info`) and the printed report. */
    info: text('info'),
    report: text('report'),
    /** Why it failed or stopped, in Chinese; userError: the file or request is at fault (HTTP 422). */
    error: text('error'),
    userError: boolean('user_error').notNull().default(false),
    /** Event-loop stalls and run time: { seconds, maxEventLoopDelayMs, maxBusyStallMs }. */
    stats: jsonb('stats'),
    problemRows: integer('problem_rows'),
    /** DATA_DIR/imports/problems-<id>.csv; null when there is none or housekeeping removed it. */
    problemsPath: text('problems_path'),
    startedAt: ts('started_at').notNull(),
    heartbeatAt: ts('heartbeat_at').notNull(),
    finishedAt: ts('finished_at'),
  },
  (t) => [index('import_jobs_status').on(t.status), index('import_jobs_finished').on(t.finishedAt)],
);
