// The outside benchmark: the server is the production entry (`node --import tsx src/main.ts`) in its own process,
// with all three platforms pointed at the fake APIs (another process), driven by the load generator (a third
// process, test/bench/loadgen-proc.ts), next to a bare fastify route in a fourth. The bench itself only orchestrates
// and polls the database. PostgreSQL when BENCH_DATABASE_URL is set (a scratch database per server), else PGlite
// in a temporary DATA_DIR (read after the server stops, since the server holds its lock).
import { execFile, fork, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import postgres from 'postgres';
import { TEST_DINGTALK } from '../bots/dingtalk/sign.js';
import { TEST_FEISHU } from '../bots/feishu/sign.js';
import { TEST_WECOM } from '../bots/wecom/sign.js';
import { openDatabase } from '../../src/db/client.js';
import { queryRows } from '../../src/db/rows.js';
import { sql } from 'drizzle-orm';
import type { LoadResult } from './load.js';
import { CALLBACK_PATHS, dingtalkLowest, signFor, toFetch, useDingtalkBelow, type LoadJob, type Platform } from './loadgen.js';
import type { FakesCommand } from './fakes-proc.js';

const here = new URL('.', import.meta.url).pathname;
const PLATFORMS: Platform[] = ['wecom', 'feishu', 'dingtalk'];

function forkTs(file: string): ChildProcess {
  return fork(join(here, file), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}
const firstMessage = <T>(child: ChildProcess) =>
  new Promise<T>((resolve, reject) => {
    child.once('message', (m) => resolve(m as T));
    child.once('exit', (code) => reject(new Error(`${child.spawnargs.join(' ')} exited with ${code}`)));
  });

/** One load job in a fresh load-generator process. */
export async function load(job: LoadJob): Promise<LoadResult & { startedAt: number }> {
  const child = forkTs('loadgen-proc.ts');
  const answer = firstMessage<{ result?: LoadResult & { startedAt: number; dingtalkLowest: number }; error?: string }>(child);
  child.send({ ...job, dingtalkBelow: dingtalkLowest() });
  const m = await answer;
  if (!m.result) throw new Error(`load generator: ${m.error}`);
  useDingtalkBelow(m.result.dingtalkLowest);
  return m.result;
}

export async function startFakes() {
  const child = forkTs('fakes-proc.ts');
  const { urls } = await firstMessage<{ urls: Record<Platform, string> }>(child);
  let id = 0;
  const pending = new Map<number, (r: unknown) => void>();
  child.on('message', (m: { id?: number; result?: unknown }) => {
    if (m.id !== undefined) pending.get(m.id)?.(m.result), pending.delete(m.id);
  });
  const call = <T>(req: FakesCommand) =>
    new Promise<T>((resolve) => {
      pending.set(++id, resolve as (r: unknown) => void);
      child.send({ ...req, id });
    });
  return {
    urls,
    hangFeishu: () => call<true>({ cmd: 'hangFeishu' }),
    releaseFeishu: () => call<true>({ cmd: 'releaseFeishu' }),
    waitWecom: (touser: string, timeoutMs: number) => call<boolean>({ cmd: 'waitWecom', touser, timeoutMs }),
    counts: () => call<{ wecom: number; feishu: number }>({ cmd: 'counts' }),
    stop: () => new Promise<void>((r) => (child.once('exit', () => r()), child.disconnect())),
  };
}
export type Fakes = Awaited<ReturnType<typeof startFakes>>;

export async function startBare() {
  const child = forkTs('bare-proc.ts');
  const { url } = await firstMessage<{ url: string }>(child);
  return { url, stop: () => new Promise<void>((r) => (child.once('exit', () => r()), child.disconnect())) };
}

/** A scratch database for one server process. */
export async function scratchDatabase() {
  const url = process.env.BENCH_DATABASE_URL;
  if (!url) {
    const dataDir = mkdtempSync(join(tmpdir(), 'chatcrm-bench-'));
    return {
      label: 'PGlite (DATA_DIR in a temporary directory)',
      name: undefined as string | undefined,
      env: { DATA_DIR: dataDir } as Record<string, string>,
      /** Live queries need PostgreSQL; PGlite is read after the server stops. */
      live: undefined as undefined | (<T>(q: string) => Promise<T[]>),
      async afterStop<T>(q: string): Promise<T[]> {
        const database = await openDatabase({ dataDir });
        try {
          return await queryRows<T & Record<string, unknown>>(database.db, sql.raw(q));
        } finally {
          await database.close();
        }
      },
      close: async () => rmSync(dataDir, { recursive: true, force: true }),
    };
  }
  const name = `chatcrm_bench_${randomBytes(4).toString('hex')}`;
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const u = new URL(url);
  u.pathname = `/${name}`;
  const client = postgres(u.toString(), { max: 2, onnotice: () => {} });
  const live = async <T>(q: string) => (await client.unsafe(q)) as unknown as T[];
  const dataDir = mkdtempSync(join(tmpdir(), 'chatcrm-bench-')); // the server's files besides the database
  return {
    label: `PostgreSQL ${u.host}`,
    name: name as string | undefined,
    env: { DATABASE_URL: u.toString(), DATA_DIR: dataDir } as Record<string, string>,
    live: live as undefined | (<T>(q: string) => Promise<T[]>),
    afterStop: live,
    async close() {
      await client.end();
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
export type Scratch = Awaited<ReturnType<typeof scratchDatabase>>;

/** A port the kernel just handed out (other processes share this machine). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * CPU time (ms) used so far by the server process, by PostgreSQL's processes serving `dbName` (and by all of
 * PostgreSQL's processes), and by the whole machine — from /proc (Linux; undefined elsewhere). Two snapshots
 * around a phase give its CPU cost per command, which bounds throughput on this machine's cores.
 */
export interface CpuSnapshot { server: number; pgDb: number; pgAll: number; machine: number }
const TICK_MS = 10; // USER_HZ = 100 on Linux
export function cpuSnapshot(serverPid: number | undefined, dbName: string | undefined): CpuSnapshot | undefined {
  if (!existsSync('/proc/stat')) return undefined;
  const ticks = (pid: string) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return { comm: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), t: Number(f[11]) + Number(f[12]) };
    } catch {
      return undefined;
    }
  };
  let server = 0, pgDb = 0, pgAll = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const s = ticks(pid);
    if (!s) continue;
    if (Number(pid) === serverPid) server += s.t;
    else if (s.comm === 'postgres') {
      pgAll += s.t;
      if (dbName) {
        try {
          if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(` ${dbName} `)) pgDb += s.t;
        } catch {}
      }
    }
  }
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const machine = cpu[0]! + cpu[1]! + cpu[2]! + cpu[5]! + cpu[6]!; // user nice system irq softirq (not idle, iowait, steal)
  return { server: server * TICK_MS, pgDb: pgDb * TICK_MS, pgAll: pgAll * TICK_MS, machine: machine * TICK_MS };
}
export const cpuDiff = (a: CpuSnapshot | undefined, b: CpuSnapshot | undefined): CpuSnapshot | undefined =>
  a && b ? { server: b.server - a.server, pgDb: b.pgDb - a.pgDb, pgAll: b.pgAll - a.pgAll, machine: b.machine - a.machine } : undefined;

/** Starts the server; another port if the chosen one was taken in between (three tries). */
export async function startServer(db: Scratch, fakes: Fakes, extraEnv: Record<string, string> = {}) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startServerOn(await freePort(), db, fakes, extraEnv);
    } catch (err) {
      if (attempt >= 3 || !/EADDRINUSE/.test((err as Error).message)) throw err;
    }
  }
}

async function startServerOn(port: number, db: Scratch, fakes: Fakes, extraEnv: Record<string, string>) {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    ...db.env,
    WECOM_CORP_ID: TEST_WECOM.corpId,
    WECOM_AGENT_ID: String(TEST_WECOM.agentId),
    WECOM_SECRET: TEST_WECOM.secret,
    WECOM_TOKEN: TEST_WECOM.token,
    WECOM_ENCODING_AES_KEY: TEST_WECOM.encodingAesKey,
    WECOM_API_BASE: fakes.urls.wecom,
    FEISHU_APP_ID: TEST_FEISHU.appId,
    FEISHU_APP_SECRET: TEST_FEISHU.appSecret,
    FEISHU_VERIFICATION_TOKEN: TEST_FEISHU.verificationToken,
    FEISHU_ENCRYPT_KEY: TEST_FEISHU.encryptKey,
    FEISHU_DOMAIN: fakes.urls.feishu,
    FEISHU_MODE: 'webhook',
    DINGTALK_CLIENT_ID: TEST_DINGTALK.clientId,
    DINGTALK_CLIENT_SECRET: TEST_DINGTALK.clientSecret,
    DINGTALK_ROBOT_CODE: TEST_DINGTALK.robotCode,
    DINGTALK_API_BASE: fakes.urls.dingtalk,
    DINGTALK_OAPI_BASE: fakes.urls.dingtalk,
    DINGTALK_MODE: 'http',
    ...extraEnv,
    // BENCH_SERVER_ENV='CHATCRM_INBOX_DRAINERS=2 …' adds settings for the server (experiments).
    ...Object.fromEntries((process.env.BENCH_SERVER_ENV ?? '').split(/\s+/).filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])),
  };
  // BENCH_SERVER_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' profiles the server process (extra node flags).
  const extra = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  const child = spawn(process.execPath, [...extra, '--import', 'tsx', 'src/main.ts'], { cwd: join(here, '../..'), env, stdio: ['ignore', 'ignore', 'pipe'] });
  const logs: string[] = [];
  child.stderr!.on('data', (b: Buffer) => logs.push(b.toString('utf8')));
  const base = `http://127.0.0.1:${port}`;
  const t0 = performance.now();
  const until = Date.now() + 120_000;
  while (!(await fetch(`${base}/readyz`).then((r) => r.ok).catch(() => false))) {
    if (Date.now() > until || child.exitCode !== null) throw new Error(`server did not become ready:\n${logs.join('').slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    base,
    pid: child.pid,
    readySeconds: (performance.now() - t0) / 1000,
    logs,
    /** SIGTERM, then SIGKILL after `graceMs` (a server with an inbox backlog finishes its batch first). */
    stop: (graceMs = 10_000) =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
        child.once('exit', () => (clearTimeout(kill), resolve()));
        child.kill('SIGTERM');
      }),
  };
}

/** Sends one signed command from outside (not measured: setup and single probes); true on HTTP 200. */
export async function send(base: string, platform: Platform, user: string, text: string, tag: string) {
  const { url, init } = toFetch(signFor(platform, user, text, tag), `${base}${CALLBACK_PATHS[platform]}`);
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) } as RequestInit);
  await res.arrayBuffer();
  return res.status === 200;
}

export async function until(what: string, ms: number, check: () => Promise<boolean>) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

// Company names that share no character pair, so none is offered as "maybe the same company" (可能是同一家).
export const companyName = (i: number) => `${String.fromCharCode(0x4e00 + 3 * i, 0x4e01 + 3 * i, 0x4e02 + 3 * i)}厂`;

export interface OutsideOptions {
  quick: boolean;
}

export interface OutsideResult {
  database: string;
  readySeconds: number;
  bare: LoadResult;
  acks: Array<{ platform: Platform; max: LoadResult; atRate: LoadResult; backlogAtRate?: number }>;
  /** `cpu`: CPU time spent from the burst's first request until the last follow-up and reply were written (PostgreSQL only). */
  e2e: { users: number; commands: number; acked: number; seconds: number; followUps: number; replies: number; cpu?: CpuSnapshot };
  pgbench: { tps: number; note: string } | { skipped: string };
  lane: { baselineMs: number; hungMs: number | undefined; hungForMs: number };
}

const n = (rows: Array<{ n: unknown }>) => Number(rows[0]?.n ?? 0);

export async function benchOutside(o: OutsideOptions): Promise<OutsideResult> {
  const t0 = performance.now();
  const at = () => `${((performance.now() - t0) / 1000).toFixed(0)} s`;
  const count = o.quick ? 500 : 3000;
  const concurrency = 32;
  const rateSeconds = o.quick ? 3 : 10;
  const burst = o.quick ? 300 : 1000;
  const users = 50;
  const fakes = await startFakes();
  const bare = await startBare();
  const cleanup: Array<() => Promise<void>> = [() => bare.stop(), () => fakes.stop()];
  try {
    // 1. Ceiling and acknowledgements. Each platform's customer exists first, so the acknowledged `/跟进`
    //    commands are real work for the background loop that runs during the fixed-rate phase.
    console.error(`[outside 1/4] bare route and acknowledgements (${count} per platform, ×${concurrency}) …`);
    const dbA = await scratchDatabase();
    cleanup.unshift(() => dbA.close());
    const serverA = await startServer(dbA, fakes);
    cleanup.unshift(() => serverA.stop(1000));
    for (const [k, p] of PLATFORMS.entries()) {
      await send(serverA.base, p, `bench-${p}`, `/新客户 ${companyName(200 + k)} 1380000000${k}`, `s${k}`);
      await send(serverA.base, p, `bench-${p}`, `/新商机 ${companyName(200 + k)} 压测商机 1万`, `t${k}`);
    }
    // The ceiling runs long enough to be warm and steady (a 500-request run measured mostly JIT warm-up: 2–6k req/s).
    const bareCount = o.quick ? 20_000 : 60_000;
    const bareResult = await load({ platform: 'wecom', url: `${bare.url}/bare`, tag: 'bare', text: '/跟进 压测 {i}', users: ['bench'], mode: { kind: 'closed', count: bareCount, concurrency, maxSeconds: 60 }, warmup: 5000 });
    const acks: OutsideResult['acks'] = [];
    for (const [k, p] of PLATFORMS.entries()) {
      const url = `${serverA.base}${CALLBACK_PATHS[p]}`;
      const text = `/跟进 ${companyName(200 + k)} 电话沟通 压测 {i}`;
      const max = await load({ platform: p, url, tag: `m${k}`, text, users: [`bench-${p}`], mode: { kind: 'closed', count, concurrency, maxSeconds: 60 }, warmup: Math.ceil(count / 5) });
      const backlogAtRate = dbA.live ? n(await dbA.live<{ n: number }>(`select count(*)::int as n from inbound_events where status = 'pending'`)) : undefined;
      const atRate = await load({ platform: p, url, tag: `r${k}`, text, users: [`bench-${p}`], mode: { kind: 'rate', rate: 200, seconds: rateSeconds } });
      acks.push({ platform: p, max, atRate, ...(backlogAtRate !== undefined ? { backlogAtRate } : {}) });
    }
    // Its scratch database is dropped, so there is no need to wait for the backlog.
    await serverA.stop(1000);

    // 2. End to end on a fresh database: 50 WeCom users, each with a customer and a deal, send a burst of
    //    `/跟进`; from the first request until every follow-up row is written and its reply queued.
    console.error(`${at()} [outside 2/4] end to end: ${burst} commands from ${users} users …`);
    const dbB = await scratchDatabase();
    cleanup.unshift(() => dbB.close());
    const serverB = await startServer(dbB, fakes);
    cleanup.unshift(() => serverB.stop());
    const userIds = Array.from({ length: users }, (_, i) => `e2e${String(i).padStart(2, '0')}`);
    const names = userIds.map((_, i) => companyName(i));
    const before = (await fakes.counts()).wecom;
    for (const [i, u] of userIds.entries()) {
      await send(serverB.base, 'wecom', u, `/新客户 ${names[i]} 139${String(i).padStart(8, '0')}`, `c${i}`);
      await send(serverB.base, 'wecom', u, `/新商机 ${names[i]} 压测商机 1万`, `d${i}`);
    }
    // Setup done when both replies of every user have been delivered (nothing of it left in inbox or outbox).
    await until('the setup replies', 120_000, async () => (await fakes.counts()).wecom >= before + 2 * users);
    const cpuBefore = cpuSnapshot(serverB.pid, dbB.name);
    const started = Date.now();
    const burstResult = await load({ platform: 'wecom', url: `${serverB.base}${CALLBACK_PATHS.wecom}`, tag: 'e2e', text: '/跟进 {name} 电话沟通，客户要样品 {i}', users: userIds, names, mode: { kind: 'closed', count: burst, concurrency: 16, maxSeconds: 120 } });
    const since = new Date(Math.min(started, burstResult.startedAt) - 1000).toISOString();
    const doneQuery = `select (select count(*)::int from follow_ups) as f, (select count(*)::int from outbox where platform = 'wecom' and created_at >= '${since}') as o,
      (select max(created_at) from follow_ups) as fmax, (select max(created_at) from outbox where platform = 'wecom' and created_at >= '${since}') as omax`;
    type Done = { f: number; o: number; fmax: Date | string | null; omax: Date | string | null };
    let endedAt: number;
    let done: Done;
    const ackedCount = burstResult.requests - burstResult.errors;
    if (dbB.live) {
      const live = dbB.live;
      await until('the follow-ups and their replies', 600_000, async () => {
        done = (await live<Done>(doneQuery))[0]!;
        return Number(done.f) >= ackedCount && Number(done.o) >= ackedCount;
      });
      endedAt = Date.now();
    }
    const cpu = cpuDiff(cpuBefore, cpuSnapshot(serverB.pid, dbB.name));
    // Replies delivered (also needed before the lane probe: an empty outbox).
    await until('the burst replies', 600_000, async () => (await fakes.counts()).wecom >= before + 2 * users + ackedCount);

    // 3. One hung lane: Feishu's send hangs; how long does a WeCom reply take, next to the same probe unhung.
    console.error(`${at()} [outside 3/4] a WeCom reply while the Feishu API hangs …`);
    const probe = async (user: string, timeoutMs: number) => {
      const t0 = performance.now();
      if (!(await send(serverB.base, 'wecom', user, '/待办', user))) throw new Error('probe not acknowledged');
      return (await fakes.waitWecom(user, timeoutMs)) ? performance.now() - t0 : undefined;
    };
    const baselineMs = (await probe('lane-a', 30_000)) ?? NaN;
    await fakes.hangFeishu();
    const feishuBefore = (await fakes.counts()).feishu;
    const hangStart = performance.now();
    await send(serverB.base, 'feishu', 'lane-f', '/待办', 'lane-f');
    await until('the Feishu send to hang', 30_000, async () => (await fakes.counts()).feishu > feishuBefore);
    const hungMs = await probe('lane-b', 60_000);
    const hungForMs = performance.now() - hangStart;
    await fakes.releaseFeishu();
    await serverB.stop();
    if (!dbB.live) {
      done = (await dbB.afterStop<Done>(doneQuery))[0]!;
      const last = Math.max(...[done.fmax, done.omax].map((d) => (d ? new Date(d).getTime() : 0)));
      endedAt = last;
    }
    const e2e = { users, commands: burst, acked: ackedCount, seconds: (endedAt! - burstResult.startedAt) / 1000, followUps: Number(done!.f), replies: Number(done!.o), ...(cpu ? { cpu } : {}) };

    // 4. pgbench TPC-B on the same PostgreSQL server, in the same run.
    console.error(`${at()} [outside 4/4] pgbench …`);
    const pgbench = await runPgbench(o.quick);
    return { database: dbA.label, readySeconds: serverB.readySeconds, bare: bareResult, acks, e2e, pgbench, lane: { baselineMs, hungMs, hungForMs } };
  } finally {
    for (const c of cleanup) await c().catch((err: Error) => console.error(`cleanup: ${err.message}`));
  }
}

function findPgbench(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  for (const v of readdirSync(root).sort().reverse()) if (existsSync(join(root, v, 'bin/pgbench'))) return join(root, v, 'bin/pgbench');
  return undefined;
}

async function runPgbench(quick: boolean): Promise<OutsideResult['pgbench']> {
  const url = process.env.BENCH_DATABASE_URL;
  if (!url) return { skipped: 'no BENCH_DATABASE_URL (PGlite run): pgbench needs a PostgreSQL server' };
  const bin = findPgbench();
  if (!bin) return { skipped: 'pgbench not found under /usr/lib/postgresql/*/bin' };
  const name = `chatcrm_pgbench_${randomBytes(4).toString('hex')}`;
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  try {
    const u = new URL(url);
    const args = ['-h', u.hostname, '-p', u.port || '5432', '-U', decodeURIComponent(u.username || 'postgres')];
    const env = { ...process.env, ...(u.password ? { PGPASSWORD: decodeURIComponent(u.password) } : {}) };
    const run = promisify(execFile);
    await run(bin, ['-i', '-s', '10', '-q', ...args, name], { env, maxBuffer: 1 << 24 });
    const seconds = quick ? 3 : 10;
    const { stdout } = await run(bin, ['-c', '8', '-j', '2', '-T', String(seconds), ...args, name], { env, maxBuffer: 1 << 24 });
    const tps = Number(/tps = ([\d.]+)/.exec(stdout)?.[1]);
    return { tps, note: `pgbench -i -s 10; -c 8 -j 2 -T ${seconds} (TPC-B-like)` };
  } finally {
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}
