// Applying a customer plan as it is made: planned rows are written in batches, one transaction per batch, through
// services/customer-import.ts (createCustomer's locks, re-check, short ids and audit rows, in a few statements per
// batch). A batch that was committed stays when a later one fails; running the same file again finds those rows
// existing (the dedup keys), so an interrupted import is finished by running it again. Between batches the event
// loop gets a turn, so callbacks are answered while a large file is written; the next batch is planned while
// the database writes the previous one.
import { setImmediate as turn } from 'node:timers/promises';
import type { Db } from '../db/client.js';
import { assignLeads, loadAssigner, type OwnerChoice } from '../services/assignment.js';
import type { Actor } from '../services/context.js';
import { createCustomersBatch } from '../services/customer-import.js';
import { customerShortId, POOL_OWNER_NAME } from '../services/customers.js';
import { existingReason, record, recordPool, similarReason, type ImportReport, type PlannedRow, type ProblemRow, type SimilarMatch } from './customer-report.js';

export interface ApplyOptions {
  tenantId: string;
  now: Date;
  /** Rows per transaction. */
  batchSize: number;
  /** The importer: actor of the audit rows and of the assignment of rows whose 负责人 is empty. */
  actor: Actor;
  timeZone: string;
  onProblem?: (p: ProblemRow) => void;
  /** Hears how many rows have been written so far (after each batch). */
  onWritten?: (written: number) => void;
}

interface Pending {
  row: PlannedRow;
  cells: string[];
  similar?: SimilarMatch;
}

/**
 * A writer for one report: `add` every planned row (and `problem` every other problem row, so the problems file
 * stays in file order), then `finish`. The report's counts and lists are updated as batches commit.
 */
export function customerWriter(db: Db, report: ImportReport, opts: ApplyOptions) {
  let batch: Pending[] = [];
  let problems: ProblemRow[] = [];
  let written = 0;
  // The batch being written while the next one is planned: the database works while this thread checks rows.
  let writing: Promise<void> = Promise.resolve();

  /** Hands the current batch to the database once the previous one is committed (batches commit in file order). */
  async function handOver() {
    const rows = batch;
    const held = problems;
    batch = [];
    problems = [];
    await writing;
    writing = write(rows, held);
    // A failure is raised by the next handOver or by finish; until then it must not count as unhandled.
    writing.catch(() => {});
  }

  async function write(rows: Pending[], held: ProblemRow[]) {
    // Owner-less rows are created in the pool and placed by the tenant's assignment rules in the same transaction
    // (rules, people and open-lead counts read afresh per batch: what earlier batches assigned is committed).
    const choices = new Map<string, OwnerChoice>();
    const outcomes = await createCustomersBatch(db, opts.tenantId, rows.map((p) => ({ input: p.row.input, ownerId: p.row.ownerId })), opts.now, {
      actorId: opts.actor.userId,
      afterPool: async (tx, created) => {
        const assigner = await loadAssigner(tx, opts.tenantId);
        const r = await assignLeads({ db: tx, actor: opts.actor, now: opts.now, timeZone: opts.timeZone }, created, assigner);
        created.forEach((c, i) => choices.set(c.id, r.choices[i]!));
      },
    });
    outcomes.forEach((o, i) => {
      const { row, cells, similar } = rows[i]!;
      if (o.created) {
        const code = customerShortId(o.customer);
        const choice = choices.get(o.customer.id);
        if (choice) {
          row.ownerName = choice.ownerName ?? POOL_OWNER_NAME;
          row.rule = choice.rule;
          recordPool(report, { line: row.line, name: o.customer.name, ownerName: row.ownerName, rule: choice.rule });
        }
        record(report, 'created', { line: row.line, code, name: o.customer.name, ownerName: row.ownerName, ...(choice ? { rule: choice.rule } : {}) });
        report.firstCode ??= code;
        report.lastCode = code;
        if (similar) {
          similar.createdCode = code;
          held.push({ line: row.line, kind: 'similar', reason: similarReason(similar, code), cells });
        }
      } else {
        // Created by someone else since the plan looked: existing, not to create.
        report.counts.toCreate--;
        report.toCreate = report.toCreate.filter((t) => t.line !== row.line);
        const match = { line: row.line, name: row.input.name, matchedBy: o.matchedBy, code: o.code, existingName: o.existingName, ownerName: o.ownerName };
        record(report, 'existing', match);
        held.push({ line: row.line, kind: 'existing', reason: existingReason(match), cells });
      }
    });
    if (opts.onProblem) for (const p of held.sort((a, b) => a.line - b.line)) opts.onProblem(p);
    written += rows.length;
    opts.onWritten?.(written);
    await turn();
  }

  return {
    async add(row: PlannedRow, cells: string[], similar?: SimilarMatch) {
      batch.push(similar ? { row, cells, similar } : { row, cells });
      if (batch.length >= opts.batchSize) await handOver();
    },
    problem(p: ProblemRow) {
      problems.push(p);
    },
    async finish() {
      if (batch.length > 0 || problems.length > 0) await handOver();
      await writing;
      report.applied = true;
    },
    /** Waits for the batch in flight, whatever its outcome (the import stopped early). */
    async settle() {
      await writing.catch(() => {});
    },
  };
}
