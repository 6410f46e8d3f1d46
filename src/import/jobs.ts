// The server's import jobs (admin API, dashboard and the local tools' loopback routes): an uploaded file on disk
// becomes a job with an id, run in the background one at a time per server, with progress (rows read, bytes read
// of the file's size), its summary when done, and its problems file to download. Each job is a row of import_jobs
// (job-store.ts), written at start, about once a second while it runs and at the end, so another process or the
// restarted server still answers for it; problems files live in DATA_DIR/imports/ (housekeeping removes old ones).
// Uploads wait in a temporary directory, removed when their job ends or the server stops.
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Db } from '../db/client.js';
import { CsvFormatError } from './decode.js';
import { ImportFileError } from './errors.js';
import { runImportJob, type ImportJob, type ImportOutput } from './job.js';
import { createJobStore, INTERRUPTED, outputOfRow, viewOfRow, type ImportJobView, type ImportOrigin } from './job-store.js';

export type { ImportJobView, ImportOrigin } from './job-store.js';

/** Jobs kept in memory (older ones are read back from their rows). */
const KEEP_JOBS = 20;
/** A running job's row is rewritten at most this often as it moves, not per row or per batch. */
const PROGRESS_MS = 1000;
/** …and at least this often while it does not (a long statement): below job-store.ts STALE_MS. */
const HEARTBEAT_MS = 30_000;
/** The suffix of the info line ("数据库：…") per way in. */
const VIA_LINE: Record<ImportOrigin['via'], string> = { 'admin API': '', dashboard: '（看板）', CLI: '（通过运行中的服务）' };

export interface ImportJobsOptions {
  log?: { error(o: object, m: string): void; warn?(o: object, m: string): void };
  /** Problems files go to DATA_DIR/imports/ (else a temporary directory, removed at close). */
  dataDir?: string;
  /** This server among those sharing the database (src/compose.ts); default host:pid. */
  instanceId?: string;
  /** The code's clock for the rows' times (tests). */
  now?: () => Date;
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

export function createImportJobs(db: Db, describe: string, opts: ImportJobsOptions = {}) {
  const { log } = opts;
  const now = opts.now ?? (() => new Date());
  const store = createJobStore(db, opts.instanceId ?? `${hostname()}:${process.pid}`, now);
  const uploads = mkdtempSync(join(tmpdir(), 'chatcrm-uploads-'));
  const problemsDir = opts.dataDir ? join(opts.dataDir, 'imports') : join(uploads, 'problems');
  mkdirSync(problemsDir, { recursive: true });
  const jobs = new Map<string, Entry>();
  let running: string | undefined;
  const stopping = new AbortController();

  const evict = () => {
    for (const [id, e] of jobs) {
      if (jobs.size <= KEEP_JOBS) break;
      if (e.view.status !== 'running') jobs.delete(id);
    }
  };

  return {
    /** A fresh path for an upload (removed when its job ends, or by `discard`). */
    uploadPath: () => join(uploads, `upload-${randomUUID()}.csv`),
    discard: (path: string) => rmSync(path, { force: true }),
    /** Throws ImportBusyError while another job runs: a second 200,000-row file would double the memory. */
    assertIdle() {
      if (running) throw new ImportBusyError(running);
    },
    /**
     * At start-up, before any job: jobs a previous process left running become `interrupted` (PGlite: all of them,
     * the data directory's lock says that process is gone; PostgreSQL: this instance's and those whose heartbeat stopped).
     */
    async recover(all: boolean) {
      const ids = await store.sweep(all);
      if (ids.length > 0) log?.warn?.({ jobs: ids }, 'import jobs interrupted by a restart');
      return ids;
    },
    /** Starts the job on an uploaded file, which it removes when done; `origin` says who and where from. */
    async start(job: ImportJob, uploadPath: string, origin: ImportOrigin): Promise<ImportJobView> {
      this.assertIdle();
      const id = randomUUID();
      // Taken before the first await: one job at a time however the requests interleave.
      running = id;
      const problemsPath = join(problemsDir, `problems-${id}.csv`);
      const started = performance.now();
      const view: ImportJobView = {
        id,
        status: 'running',
        apply: job.apply,
        ...(job.tenantId ? { tenantId: job.tenantId } : {}),
        startedAt: now().toISOString(),
        progress: { phase: job.apply ? 'scan' : 'check', rowsRead: 0, rowsWritten: 0, bytesRead: 0, totalBytes: 0, percent: 0 },
      };
      try {
        await store.insert(view, job.kind, origin);
      } catch (err) {
        running = undefined;
        throw err;
      }
      // Row writes one after another (a late progress write never lands after the result); at most one waits.
      let writes = Promise.resolve();
      let queued = false;
      let lastWrite = performance.now();
      const write = (fn: () => Promise<void>) => {
        lastWrite = performance.now();
        writes = writes.then(fn).catch((err: unknown) => log?.error({ err, job: id }, 'import job row not written'));
        return writes;
      };
      const saveProgress = () => {
        if (queued) return;
        queued = true;
        void write(async () => {
          queued = false;
          await store.progress(view);
        });
      };
      const heartbeat = setInterval(saveProgress, HEARTBEAT_MS);
      heartbeat.unref();
      const loop = stallMeter();
      const entry: Entry = { view, problemsPath, done: Promise.resolve() };
      entry.done = runImportJob(db, `${describe}${VIA_LINE[origin.via]}`, uploadPath, job, {
        problemsPath,
        signal: stopping.signal,
        onProgress: (p) => {
          view.progress = { ...p, percent: p.totalBytes === 0 ? 0 : Math.floor((p.bytesRead / p.totalBytes) * 100) };
          if (performance.now() - lastWrite >= PROGRESS_MS) saveProgress();
        },
      })
        .then((out): Partial<ImportJobView> => {
          entry.output = out;
          return { status: 'done', result: out.summary, tenantId: out.summary.tenantId, ...(out.summary.kind === 'customers' ? { problemRows: out.summary.problems.count } : {}) };
        })
        .catch((err: unknown): Partial<ImportJobView> => {
          // The server is stopping: the committed batches stay, and the same file carries on from them.
          if (stopping.signal.aborted) return { status: 'interrupted', error: INTERRUPTED };
          if (err instanceof ImportFileError || err instanceof CsvFormatError) return { status: 'failed', error: err.userMessage, userError: true };
          log?.error({ err, job: id }, 'import job failed');
          return { status: 'failed', error: '导入失败：服务器出错（已记录日志）。已写入的批次会保留，修正后重新导入同一文件即可继续（已导入的行会被识别为已存在）。' };
        })
        .then(async (outcome) => {
          clearInterval(heartbeat);
          const final: ImportJobView = { ...view, ...outcome, ...loop.stop(), finishedAt: now().toISOString(), seconds: Math.round(performance.now() - started) / 1000 };
          rmSync(uploadPath, { force: true });
          const keep = final.status === 'done' && final.problemRows !== undefined;
          if (!keep) rmSync(problemsPath, { force: true });
          await write(() => store.finish(final, entry.output, keep ? problemsPath : undefined));
          // The view says it has ended once its row does, and the next job may start then.
          Object.assign(view, final);
          running = undefined;
          evict();
        });
      jobs.set(id, entry);
      return view;
    },
    /** A job by id: this process's, else its row (another process's, or from before a restart). */
    async get(id: string): Promise<ImportJobView | undefined> {
      const e = jobs.get(id);
      if (e) return e.view;
      const row = await store.read(id);
      return row && viewOfRow(row);
    },
    async output(id: string): Promise<ImportOutput | undefined> {
      const e = jobs.get(id);
      if (e) return e.output;
      const row = await store.read(id);
      return row && outputOfRow(row);
    },
    /** Resolves when the job has finished (done, failed or interrupted) and its row says so. */
    wait: async (id: string) => jobs.get(id)?.done,
    /** The problems file of a finished customer job, if it has one (and this server holds it). */
    async problemsFile(id: string): Promise<string | undefined> {
      const e = jobs.get(id);
      const path = e
        ? e.view.status === 'done' && e.view.problemRows !== undefined ? e.problemsPath : undefined
        : ((await store.read(id))?.problemsPath ?? undefined);
      return path && existsSync(path) ? path : undefined;
    },
    /** Stops a running job at its next slice (its committed batches stay; its row says interrupted), then removes the uploads. */
    async close() {
      stopping.abort();
      if (running) await jobs.get(running)?.done;
      rmSync(uploads, { recursive: true, force: true });
    },
  };
}
export type ImportJobs = ReturnType<typeof createImportJobs>;
