// The server's import jobs (admin API and the local tools' loopback routes): an uploaded file on disk becomes a
// job with an id, run in the background one at a time, with progress (rows read, bytes read of the file's size),
// its summary when done, and its problems file to download. Jobs live in this process (their files in a temporary
// directory); the last 20 are kept, and everything is removed when the server stops.
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Db } from '../db/client.js';
import { CsvFormatError } from './decode.js';
import { ImportFileError } from './errors.js';
import { runImportJob, type ImportJob, type ImportOutput } from './job.js';
import type { ImportProgress } from './progress.js';

const KEEP_JOBS = 20;

export interface ImportJobView {
  id: string;
  status: 'running' | 'done' | 'failed';
  apply: boolean;
  startedAt: string;
  finishedAt?: string;
  seconds?: number;
  progress: ImportProgress & { percent: number };
  /** The summary (done): counts per outcome and the first problem rows. */
  result?: ImportOutput['summary'];
  /** Why it failed, in Chinese; `userError`: the file or the request is at fault (HTTP 422), not the server. */
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

interface Entry {
  view: ImportJobView;
  output?: ImportOutput;
  problemsPath: string;
  done: Promise<void>;
}

/** A clock of the calling thread's CPU time in ms (Linux), else of the whole process's. */
function mainThreadCpu(): () => number {
  const path = '/proc/thread-self/schedstat';
  try {
    readFileSync(path, 'latin1');
    return () => Number(readFileSync(path, 'latin1').split(' ', 1)[0]) / 1e6;
  } catch {
    return () => {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1000;
    };
  }
}

/** Event-loop stalls during a job: wall clock, and the part of each stall the main thread spent on the CPU. */
function stallMeter() {
  const TICK = 10;
  const h = monitorEventLoopDelay({ resolution: TICK });
  h.enable();
  // The main thread's own CPU time, ms: Linux's schedstat for this thread (ns on the CPU) — not process.cpuUsage,
  // which also counts V8's GC helpers and libuv's pool threads, busy while the loop itself may be free.
  const cpu = mainThreadCpu();
  let wall = performance.now();
  let used = cpu();
  let busy = 0;
  const timer = setInterval(() => {
    const w = performance.now();
    const c = cpu();
    busy = Math.max(busy, Math.min(w - wall - TICK, c - used));
    wall = w;
    used = c;
  }, TICK);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      h.disable();
      return { maxEventLoopDelayMs: Math.round(h.max / 1e5) / 10, maxBusyStallMs: Math.round(Math.max(0, busy) * 10) / 10 };
    },
  };
}

export class ImportBusyError extends Error {
  constructor(readonly runningId: string) {
    super(`另一个导入正在进行（编号 ${runningId}），请等它完成后再试。`);
  }
}

export function createImportJobs(db: Db, describe: string, log?: { error(o: object, m: string): void }) {
  const dir = mkdtempSync(join(tmpdir(), 'chatcrm-imports-'));
  const jobs = new Map<string, Entry>();
  let running: string | undefined;
  const stopping = new AbortController();

  const evict = () => {
    for (const [id, e] of jobs) {
      if (jobs.size <= KEEP_JOBS) break;
      if (e.view.status === 'running') continue;
      rmSync(e.problemsPath, { force: true });
      jobs.delete(id);
    }
  };

  return {
    /** A fresh path for an upload (removed when its job ends, or by `discard`). */
    uploadPath: () => join(dir, `upload-${randomUUID()}.csv`),
    discard: (path: string) => rmSync(path, { force: true }),
    /** Throws ImportBusyError while another job runs: a second 200,000-row file would double the memory. */
    assertIdle() {
      if (running) throw new ImportBusyError(running);
    },
    /** Starts the job on an uploaded file, which it removes when done; `via` is added to the database line. */
    start(job: ImportJob, uploadPath: string, via = ''): ImportJobView {
      this.assertIdle();
      const id = randomUUID();
      running = id;
      const problemsPath = join(dir, `problems-${id}.csv`);
      const started = Date.now();
      const view: ImportJobView = {
        id,
        status: 'running',
        apply: job.apply,
        startedAt: new Date(started).toISOString(),
        progress: { phase: job.apply ? 'scan' : 'check', rowsRead: 0, rowsWritten: 0, bytesRead: 0, totalBytes: 0, percent: 0 },
      };
      const loop = stallMeter();
      const entry: Entry = { view, problemsPath, done: Promise.resolve() };
      entry.done = runImportJob(db, `${describe}${via}`, uploadPath, job, {
        problemsPath,
        signal: stopping.signal,
        onProgress: (p) => (view.progress = { ...p, percent: p.totalBytes === 0 ? 0 : Math.floor((p.bytesRead / p.totalBytes) * 100) }),
      })
        .then((out) => {
          entry.output = out;
          view.status = 'done';
          view.result = out.summary;
          if (out.summary.kind === 'customers') view.problemRows = out.summary.problems.count;
        })
        .catch((err: unknown) => {
          view.status = 'failed';
          if (err instanceof ImportFileError || err instanceof CsvFormatError) {
            view.error = err.userMessage;
            view.userError = true;
          } else {
            log?.error({ err, job: id }, 'import job failed');
            view.error = '导入失败：服务器出错（已记录日志）。已写入的批次会保留，修正后重新导入同一文件即可继续（已导入的行会被识别为已存在）。';
          }
        })
        .finally(() => {
          Object.assign(view, loop.stop());
          view.finishedAt = new Date().toISOString();
          view.seconds = (Date.now() - started) / 1000;
          running = undefined;
          rmSync(uploadPath, { force: true });
          if (view.status !== 'done' || view.problemRows === undefined) rmSync(problemsPath, { force: true });
          evict();
        });
      jobs.set(id, entry);
      return view;
    },
    get: (id: string) => jobs.get(id)?.view,
    output: (id: string) => jobs.get(id)?.output,
    /** Resolves when the job has finished (done or failed). */
    wait: async (id: string) => jobs.get(id)?.done,
    /** The problems file of a finished customer job, if it has one. */
    problemsFile(id: string): string | undefined {
      const e = jobs.get(id);
      return e && e.view.status === 'done' && e.view.problemRows !== undefined && existsSync(e.problemsPath) ? e.problemsPath : undefined;
    },
    /** Stops a running job at its next slice (its committed batches stay), then removes every file. */
    async close() {
      stopping.abort();
      if (running) await jobs.get(running)?.done;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
export type ImportJobs = ReturnType<typeof createImportJobs>;
