// The import benchmark, from outside like test/bench/outside.ts: the server is the production entry (`node
// --import tsx src/main.ts`) in its own process with the admin API on; the bench posts GBK customer files to it
// as a user's script would and measures what the issue asked: a 200,000-row dry run (time, the server's peak RSS
// from /proc, the longest event-loop stall — the job's own monitorEventLoopDelay and, from outside, the slowest
// /healthz answer while it ran — and the response size), a 20,000-row apply (rows/s), and a 12 MB file accepted.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { BENCH_OWNERS, writeCustomerFile, type GeneratedFile } from './import-files.js';
import { freePort, scratchDatabase } from './outside.js';

const here = new URL('.', import.meta.url).pathname;
const TOKEN = 'bench-admin-token-0123456789';
const auth = { authorization: `Bearer ${TOKEN}` };

/** The process's resident set now and its high-water mark, MB (Linux /proc; undefined elsewhere). */
function rss(pid: number): { now: number; peak: number } | undefined {
  const path = `/proc/${pid}/status`;
  if (!existsSync(path)) return undefined;
  const text = readFileSync(path, 'utf8');
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+) kB`).exec(text)?.[1] ?? NaN);
  return { now: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

/** The process's CPU time so far (user + system), seconds (Linux /proc; NaN elsewhere). */
function cpuSeconds(pid: number): number {
  const path = `/proc/${pid}/stat`;
  if (!existsSync(path)) return NaN;
  // Fields after the command name (which may hold spaces, so split after its closing parenthesis): utime is the
  // 14th field of the line, stime the 15th, in clock ticks (100 a second on Linux).
  const rest = readFileSync(path, 'utf8').split(') ')[1]!.split(' ');
  return (Number(rest[11]) + Number(rest[12])) / 100;
}

const root = join(here, '../..');

/**
 * The server as `npm start` runs it: the sources bundled by esbuild (src/start.mjs's options), into a directory
 * of this run's own (not node_modules/.cache, which other checkouts may share); BENCH_IMPORT_SERVER=tsx runs the
 * sources through tsx instead, as the other benches do.
 */
async function serverCommand(): Promise<{ args: string[]; cleanup: () => void }> {
  if (process.env.BENCH_IMPORT_SERVER === 'tsx') return { args: ['--import', 'tsx', 'src/main.ts'], cleanup: () => {} };
  const outdir = join(root, `.bench-bundle-${process.pid}`);
  const esbuild = await import('esbuild');
  await esbuild.build({ entryPoints: [join(root, 'src', 'main.ts')], bundle: true, splitting: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', sourcemap: 'inline', logLevel: 'warning', outdir });
  await esbuild.stop();
  return { args: ['--enable-source-maps', join(outdir, 'main.js')], cleanup: () => rmSync(outdir, { recursive: true, force: true }) };
}

async function startServer(env: Record<string, string>) {
  const port = await freePort();
  const command = await serverCommand();
  const child = spawn(process.execPath, [...(process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? []), ...command.args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', ADMIN_TOKEN: TOKEN, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const logs: string[] = [];
  child.stderr!.on('data', (b: Buffer) => logs.push(b.toString('utf8')));
  const base = `http://127.0.0.1:${port}`;
  const until = Date.now() + 120_000;
  while (!(await fetch(`${base}/readyz`).then((r) => r.ok).catch(() => false))) {
    if (Date.now() > until || child.exitCode !== null) {
      child.kill('SIGKILL');
      command.cleanup();
      throw new Error(`server did not become ready:\n${logs.join('').slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    base,
    pid: child.pid!,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
        child.once('exit', () => (clearTimeout(kill), resolve()));
        child.kill('SIGTERM');
      }).finally(command.cleanup),
  };
}

/** While `work` runs: the slowest /healthz answer (asked one after another) and the server's largest RSS. */
async function watch<T>(base: string, pid: number, work: () => Promise<T>) {
  let stop = false;
  let probeMaxMs = 0;
  let probes = 0;
  let peakRssMb = 0;
  const probe = (async () => {
    while (!stop) {
      const t0 = performance.now();
      await fetch(`${base}/healthz`).then((r) => r.arrayBuffer()).catch(() => undefined);
      probeMaxMs = Math.max(probeMaxMs, performance.now() - t0);
      probes++;
      peakRssMb = Math.max(peakRssMb, rss(pid)?.now ?? 0);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  const t0 = performance.now();
  const cpu0 = cpuSeconds(pid);
  try {
    const result = await work();
    return { result, seconds: (performance.now() - t0) / 1000, cpuSeconds: cpuSeconds(pid) - cpu0, probeMaxMs, probes, peakRssMb };
  } finally {
    stop = true;
    await probe;
  }
}

interface JobAnswer {
  status: string;
  seconds: number;
  maxEventLoopDelayMs: number;
  maxBusyStallMs: number;
  error?: string;
  result: { counts: Record<string, number>; problems: { count: number } };
}

async function postFile(base: string, tenantId: string, kind: string, body: Buffer, apply: boolean) {
  const res = await fetch(`${base}/admin/api/tenants/${tenantId}/import/${kind}?apply=${apply}`, { method: 'POST', headers: { ...auth, 'content-type': 'text/csv' }, body });
  const text = await res.text();
  const job = JSON.parse(text) as JobAnswer;
  if (res.status !== 200) throw new Error(`import answered ${res.status}: ${job.error ?? text.slice(0, 300)}`);
  return { job, status: res.status, responseBytes: Buffer.byteLength(text) };
}

export interface ImportBenchResult {
  database: string;
  apply: { file: GeneratedFile; created: number; seconds: number; cpuSeconds: number; jobSeconds: number; rowsPerSecond: number; loopMs: number; busyMs: number; probeMaxMs: number; peakRssMb: number };
  dry: { file: GeneratedFile; counts: Record<string, number>; problems: number; seconds: number; cpuSeconds: number; loopMs: number; busyMs: number; probeMaxMs: number; probes: number; peakRssMb: number; rssAfterMb: number; rssBeforeMb: number; responseBytes: number };
  twelveMb: { bytes: number; status: number };
  /** The slowest /healthz answer of the idle server just before the imports. */
  idleProbeMaxMs: number;
}

export async function benchImports(o: { quick: boolean; applyRows?: number; dryRows?: number }): Promise<ImportBenchResult> {
  const applyRows = o.applyRows ?? (o.quick ? 5_000 : 20_000);
  const dryRows = o.dryRows ?? (o.quick ? 50_000 : 200_000);
  const dir = mkdtempSync(join(tmpdir(), 'chatcrm-bench-import-'));
  const db = await scratchDatabase();
  const server = await startServer(db.env);
  try {
    const tenants = (await (await fetch(`${server.base}/admin/api/tenants`, { headers: auth })).json()) as { id: string }[];
    const tenantId = tenants[0]!.id;
    const people = ['姓名,企业微信ID,角色', '管理员,bench.admin,管理员', ...BENCH_OWNERS.map((n, i) => `${n},bench.rep${i},销售`)].join('\r\n');
    await postFile(server.base, tenantId, 'users', iconv.encode(people, 'gbk'), true);

    console.error(`[imports] apply ${applyRows.toLocaleString()} rows on ${db.label} …`);
    const a = writeCustomerFile(join(dir, 'apply.csv'), applyRows);
    // The slowest /healthz of an idle server over 3 s, at the machine's load of the moment: what a stall owes the
    // machine rather than the import.
    const idle = await watch(server.base, server.pid, () => new Promise((r) => setTimeout(r, 3000)));
    const applied = await watch(server.base, server.pid, () => postFile(server.base, tenantId, 'customers', readFileSync(a.path), true));
    const created = applied.result.job.result.counts.create!;

    console.error(`[imports] dry run ${dryRows.toLocaleString()} rows …`);
    const d = writeCustomerFile(join(dir, 'dry.csv'), dryRows, { existingBelow: applyRows });
    const rssBeforeMb = rss(server.pid)?.now ?? NaN;
    const dry = await watch(server.base, server.pid, () => postFile(server.base, tenantId, 'customers', readFileSync(d.path), false));
    await new Promise((r) => setTimeout(r, 2000));
    const rssAfterMb = rss(server.pid)?.now ?? NaN;

    // A realistic 12 MB file (over the old 10 MB limit): the dry-run file when it is that large, else one made so.
    const big = d.bytes >= 12 * 1024 * 1024 ? d : writeCustomerFile(join(dir, 'big.csv'), Math.ceil((12.2 * 1024 * 1024) / (d.bytes / d.rows)), { existingBelow: applyRows });
    const twelve = big === d ? { status: dry.result.status } : await postFile(server.base, tenantId, 'customers', readFileSync(big.path), false);
    return {
      database: db.label,
      apply: {
        file: a,
        created,
        seconds: applied.seconds,
        cpuSeconds: applied.cpuSeconds,
        jobSeconds: applied.result.job.seconds,
        rowsPerSecond: created / applied.result.job.seconds,
        loopMs: applied.result.job.maxEventLoopDelayMs,
        busyMs: applied.result.job.maxBusyStallMs,
        probeMaxMs: applied.probeMaxMs,
        peakRssMb: applied.peakRssMb,
      },
      dry: {
        file: d,
        counts: dry.result.job.result.counts,
        problems: dry.result.job.result.problems.count,
        seconds: dry.seconds,
        cpuSeconds: dry.cpuSeconds,
        loopMs: dry.result.job.maxEventLoopDelayMs,
        busyMs: dry.result.job.maxBusyStallMs,
        probeMaxMs: dry.probeMaxMs,
        probes: dry.probes,
        peakRssMb: dry.peakRssMb,
        rssBeforeMb,
        rssAfterMb,
        responseBytes: dry.result.responseBytes,
      },
      twelveMb: { bytes: big.bytes, status: twelve.status },
      idleProbeMaxMs: idle.probeMaxMs,
    };
  } finally {
    await server.stop();
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
