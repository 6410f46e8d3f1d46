// `npm run bench`: the benchmarks side by side, with their targets and ratios. The server benchmark runs from
// outside (test/bench/outside.ts: server, fakes, load generator and bare route each in their own process); the
// database scans run in process. Sizes can be raised with env vars (BENCH_FULL=1 runs the issue's full sizes).
// Loopback only; stops by itself.
import { cpus, totalmem } from 'node:os';
import { benchDatabase } from './db.js';
import { formatLoad } from './load.js';
import { benchCpu, formatCpu } from './cpu.js';
import { benchOutside } from './outside.js';
import { benchOutbox } from './outbox.js';
import { benchDigests, benchOverdue } from './scans.js';
import { benchSimilarLookup } from './dedup.js';
import { benchStartup } from './startup.js';
import { benchAssign, benchPoolList } from './pool.js';
import { benchImports } from './imports.js';
import { benchPage, percentile } from './page.js';
import { benchChart } from './chart.js';

const quick = process.argv.includes('--quick');
const full = process.env.BENCH_FULL === '1';
const num = (name: string, dflt: number) => Number(process.env[name] ?? dflt);
// `npm run bench -- digest` runs only the benches whose name is given (outside, overdue, digest, chart, outbox, dedup, startup, pool, imports, page);
// `--quick` shortens every one of them.
const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const want = (name: string) => only.length === 0 || only.includes(name);

async function main() {
  const machine = `${cpus().length} × ${cpus()[0]?.model.trim()}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
  const lines: string[] = [];
  const row = (name: string, result: string, target: string, ok: boolean | undefined) =>
    lines.push(`| ${name} | ${result} | ${target} | ${ok === undefined ? '—' : ok ? 'met' : 'NOT met'} |`);

  if (want('outside')) {
    const r = await benchOutside({ quick });
    const db = r.database;
    const ms = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? 'no reply' : `${x.toFixed(0)} ms`);
    row(`bare fastify route, own process (ceiling), closed loop ×32`, formatLoad(r.bare), '—', undefined);
    for (const p of r.acks) {
      const ratio = p.max.rps / r.bare.rps;
      row(`${p.platform} signed /跟进 callbacks, closed loop ×32 (${db})`, `${formatLoad(p.max)} = ${(ratio * 100).toFixed(1)} % of bare`, '≥ 10 % of bare', ratio >= 0.1 && p.max.errors === 0);
      const backlog = p.backlogAtRate === undefined ? '' : ` (inbox backlog ${p.backlogAtRate} at start)`;
      row(`${p.platform} callbacks at 200 req/s while processing${backlog}`, formatLoad(p.atRate), 'p99 < 20 ms', p.atRate.p99 < 20 && p.atRate.errors === 0);
    }
    const e = r.e2e;
    const cps = e.acked / e.seconds;
    row(
      `end to end: ${e.commands} WeCom /跟进 from ${e.users} users, first request → last follow-up row and reply queued`,
      `${e.followUps} follow-ups, ${e.replies} replies queued in ${e.seconds.toFixed(1)} s = ${cps.toFixed(1)} commands/s`,
      'all written',
      e.followUps >= e.acked && e.replies >= e.acked,
    );
    if (e.cpu) {
      const per = (ms: number) => (ms / e.acked).toFixed(2);
      const cores = cpus().length;
      row(
        `CPU per end-to-end command (server process / PostgreSQL for its database / all PostgreSQL / whole machine)`,
        `${per(e.cpu.server)} / ${per(e.cpu.pgDb)} / ${per(e.cpu.pgAll)} / ${per(e.cpu.machine)} ms → at most ${((cores * 1000 * e.acked) / e.cpu.machine).toFixed(0)} commands/s on ${cores} cores`,
        '—',
        undefined,
      );
    }
    if ('tps' in r.pgbench) {
      const ratio = cps / r.pgbench.tps;
      row(`pgbench TPC-B on the same server (${r.pgbench.note})`, `${r.pgbench.tps.toFixed(0)} TPS; end to end = ${(ratio * 100).toFixed(1)} % of it`, 'end to end ≥ 25 % of TPS', ratio >= 0.25);
    } else row('pgbench TPC-B', `skipped: ${r.pgbench.skipped}`, 'end to end ≥ 25 % of TPS', undefined);
    const delay = r.lane.hungMs === undefined ? undefined : r.lane.hungMs - r.lane.baselineMs;
    row(
      'WeCom reply while the Feishu API hangs (ack → delivered)',
      `${ms(r.lane.hungMs)} (unhung: ${ms(r.lane.baselineMs)}; Feishu hung ${(r.lane.hungForMs / 1000).toFixed(1)} s)`,
      'hung lane delays others < 1 s',
      delay !== undefined && delay < 1000,
    );
    row('server start to ready (fresh database)', `${r.readySeconds.toFixed(1)} s`, '—', undefined);
  }
  if (only.includes('cpu')) {
    // Only when asked for (`npm run bench -- cpu`): CPU per acknowledgement and per command (test/bench/cpu.ts).
    const r = await benchCpu({ quick });
    if ('skipped' in r) row('CPU per ack / per command', `skipped: ${r.skipped}`, '—', undefined);
    else for (const x of r) row(`CPU per ${x.platform} message (server process + PostgreSQL backends, /proc)`, formatCpu(x), '—', undefined);
  }
  if (want('overdue')) {
    const db = await benchDatabase();
    const sizes = full ? [100_000, 1_000_000] : [num('BENCH_DEALS_SMALL', quick ? 20_000 : 100_000), num('BENCH_DEALS_LARGE', quick ? 60_000 : 300_000)];
    console.error(`[2/5] overdue scan at ${sizes.join(' / ')} deals on ${db.label} …`);
    const r = await benchOverdue(db.db, sizes, 10_000);
    for (const x of r) row(`overdue scan, ${x.deals.toLocaleString()} deals, ${x.found.toLocaleString()} overdue`, `${x.ms.toFixed(1)} ms`, '< 1 s at 1M', x.ms < 1000);
    if (r.length === 2) row('  growth large / small table', `${(r[1]!.ms / r[0]!.ms).toFixed(2)}× for ${(r[1]!.deals / r[0]!.deals).toFixed(0)}× the deals`, '≈ 1× (grows with overdue, not table)', r[1]!.ms / r[0]!.ms < 2);
    await db.close();
  }
  if (want('digest')) {
    const db = await benchDatabase();
    const teams = full ? 1000 : num('BENCH_TEAMS', quick ? 100 : 1000);
    console.error(`[3/5] digests for ${teams} teams × 200 deals on ${db.label} …`);
    const r = await benchDigests(db.db, teams, 200);
    row(`daily digests, ${r.teams} teams × 200 deals`, `${(r.ms / 1000).toFixed(2)} s (${(r.ms / r.teams).toFixed(1)} ms/team)`, '< 10 s', r.ms < 10_000);
    await db.close();
  }
  if (want('chart')) {
    const n = num('BENCH_CHARTS', quick ? 10 : 40);
    console.error(`digest chart: ${n} PNGs …`);
    const r = await benchChart(n);
    row(`digest chart PNG (1080×780, resvg + Noto Sans SC), ${r.n} in a row`, `median ${r.medianMs.toFixed(0)} ms, p95 ${r.p95Ms.toFixed(0)} ms per chart`, '< 1 s per chart', r.p95Ms < 1000);
    row('  first chart after start (native module, subsetter and font loaded)', `${r.firstMs.toFixed(0)} ms; font subset per chart max ${(r.maxFontBytes / 1024).toFixed(0)} KB`, '—', undefined);
    row(`digest chart PNG size`, `max ${(r.maxBytes / 1024).toFixed(0)} KB (mean ${(r.meanBytes / 1024).toFixed(0)} KB)`, '≤ 200 KB (hard cap 1 MB)', r.maxBytes <= 200 * 1024);
    row(`event loop lateness while drawing charts (idle: p99 ${r.idleP99Ms.toFixed(0)} ms, max ${r.idleMaxMs.toFixed(0)} ms)`, `p99 ${r.loopP99Ms.toFixed(0)} ms, max ${r.loopMaxMs.toFixed(0)} ms`, 'p99 < 50 ms', r.loopP99Ms < 50);
  }
  if (want('outbox')) {
    const db = await benchDatabase();
    const count = full ? 10_000 : num('BENCH_OUTBOX', quick ? 100 : 400);
    console.error(`[4/5] outbox: ${count} messages at 20 msg/s …`);
    const r = await benchOutbox(db.db, count, 20);
    row(`outbox, ${r.count} messages, limit 20 msg/s`, `${r.delivered} delivered (${r.unique} distinct) in ${r.seconds.toFixed(1)} s = ${r.rate.toFixed(1)} msg/s`, `≈ ${r.expected.toFixed(0)} s, none twice`, r.unique === r.count && r.delivered === r.count && r.rate <= 21);
    await db.close();
  }

  if (want('startup')) {
    console.error('[startup] spawn → /readyz on an existing PGlite data directory …');
    for (const r of await benchStartup({ runs: quick ? 2 : 3 })) {
      const sorted = [...r.ms].sort((a, b) => a - b);
      const worst = sorted[sorted.length - 1]!;
      const mine = r.way !== 'tsx on the sources (before)';
      row(
        `start-up, ${r.way}${r.loaded ? ', 2 busy loops on the machine' : ''}`,
        `${r.ms.map((m) => `${(m / 1000).toFixed(2)} s`).join(' / ')}`,
        mine ? '< 2 s (existing data directory)' : '—',
        mine ? worst < 2000 : undefined,
      );
    }
  }
  if (want('dedup')) {
    const db = await benchDatabase();
    const n = num('BENCH_CUSTOMERS', quick ? 20_000 : 100_000);
    console.error(`[5/5] similar-customer lookup at ${n.toLocaleString()} customers on ${db.label} …`);
    const r = await benchSimilarLookup(db.db, n, num('BENCH_LOOKUPS', quick ? 100 : 400));
    row(
      `similar-name lookup (可能是同一家), ${r.customers.toLocaleString()} customers, ${r.lookups} lookups (${r.found} with suggestions)`,
      `mean ${r.meanMs.toFixed(1)} ms, p95 ${r.p95Ms.toFixed(1)} ms, max ${r.maxMs.toFixed(1)} ms`,
      '< 20 ms per lookup (PostgreSQL)',
      r.p95Ms < 20,
    );
    await db.close();
  }

  if (want('pool')) {
    const db = await benchDatabase();
    const leads = num('BENCH_LEADS', quick ? 2_000 : 10_000);
    console.error(`[pool] assigning ${leads.toLocaleString()} imported leads (region rules + round-robin) on ${db.label} …`);
    const a = await benchAssign(db.db, leads);
    row(
      `assigning ${a.leads.toLocaleString()} imported leads: 6 region rules → 3 teams, else round-robin in a 4th (10 active reps + 1 inactive each), 500 per transaction`,
      `${(a.ms / 1000).toFixed(2)} s (${(a.ms / a.leads).toFixed(2)} ms/lead); ${a.owned} owned by ${a.owners} reps (${a.min}–${a.max} each), ${a.notices} owner notices queued`,
      '< 10 s',
      a.ms < 10_000 && a.owned === a.leads,
    );
    await db.close();
    const db2 = await benchDatabase();
    const size = num('BENCH_POOL', quick ? 20_000 : 100_000);
    console.error(`[pool] /公海 listing with ${size.toLocaleString()} pool entries on ${db2.label} …`);
    const p = await benchPoolList(db2.db, size, num('BENCH_POOL_LISTS', quick ? 50 : 200));
    const f = (x: { meanMs: number; p95Ms: number; shown: number }) => `mean ${x.meanMs.toFixed(1)} ms, p95 ${x.p95Ms.toFixed(1)} ms (${x.shown} shown)`;
    row(`/公海 listing, ${p.poolSize.toLocaleString()} pool entries + as many owned, newest 20 + count`, f(p.all), '< 50 ms', p.all.p95Ms < 50);
    row(`/公海 浙江 (region filter, 1 in 8 match)`, f(p.region), '< 50 ms', p.region.p95Ms < 50);
    row(`/公海 888号机械 (company-name keyword matching 100 pool names; its bigrams 88 and 8号 are in 1 in 10 names)`, f(p.keyword), '< 50 ms', p.keyword.p95Ms < 50);
    row(`/公海 来源:展会 (every entry matches)`, f(p.source), '< 50 ms', p.source.p95Ms < 50);
    await db2.close();
  }

  if (want('imports')) {
    const r = await benchImports({ quick, ...(process.env.BENCH_IMPORT_ROWS ? { dryRows: num('BENCH_IMPORT_ROWS', 200_000) } : {}) });
    const d = r.dry;
    const mb = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MB`;
    row(
      `import dry run, ${d.file.rows.toLocaleString()} rows (${mb(d.file.bytes)} GBK) through the admin API, ${r.apply.created.toLocaleString()} customers in the database (${r.database})`,
      `${d.seconds.toFixed(1)} s (server CPU ${d.cpuSeconds.toFixed(1)} s); answer ${(d.responseBytes / 1024).toFixed(1)} KB (create ${d.counts.create}, existing ${d.counts.existing}, duplicates ${d.counts.duplicates}, similar ${d.counts.similar}, bad ${d.counts.bad}; ${d.problems} rows in problems.csv)`,
      'summary, not every row inline',
      d.responseBytes < 64 * 1024,
    );
    row('  server RSS during the dry run (peak / before / 2 s after)', `${d.peakRssMb.toFixed(0)} / ${d.rssBeforeMb.toFixed(0)} / ${d.rssAfterMb.toFixed(0)} MB`, '< 300 MB', d.peakRssMb < 300);
    row(
      '  longest event-loop stall during the dry run (wall; the part of it the server\'s main thread was on the CPU)',
      `${d.loopMs.toFixed(0)} ms wall (server, monitorEventLoopDelay), ${d.busyMs.toFixed(0)} ms of it on the CPU; slowest /healthz ${d.probeMaxMs.toFixed(0)} ms of ${d.probes} asked (idle server: ${r.idleProbeMaxMs.toFixed(0)} ms)`,
      '< 100 ms (CPU part)',
      d.busyMs < 100,
    );
    const a = r.apply;
    row(
      `import apply, ${a.file.rows.toLocaleString()} rows (${r.database})`,
      `${a.created.toLocaleString()} created in ${a.jobSeconds.toFixed(1)} s = ${a.rowsPerSecond.toFixed(0)} rows/s (request ${a.seconds.toFixed(1)} s, server CPU ${a.cpuSeconds.toFixed(1)} s); loop ${a.loopMs.toFixed(0)} ms wall / ${a.busyMs.toFixed(0)} ms CPU, /healthz max ${a.probeMaxMs.toFixed(0)} ms; peak RSS ${a.peakRssMb.toFixed(0)} MB`,
      '≥ 2,000 rows/s (PostgreSQL), loop < 100 ms',
      r.database.startsWith('PostgreSQL') ? a.rowsPerSecond >= 2000 && a.busyMs < 100 : undefined,
    );
    row('  a 12 MB file', `${mb(r.twelveMb.bytes)} → HTTP ${r.twelveMb.status}`, 'accepted (limit 50 MB)', r.twelveMb.status === 200);
  }

  if (want('page')) {
    const runs = num('BENCH_PAGE_RUNS', quick ? 5 : 20);
    console.error(`[page] Chromium at 390 × 844 loads /app ${runs} times from a server in its own process …`);
    const r = await benchPage({ runs });
    const med = percentile(r.fmpMs, 50);
    const p95 = percentile(r.fmpMs, 95);
    row(`dashboard first meaningful paint (funnel table + chart drawn), phone viewport, ${r.runs} loads, warm server`, `median ${med.toFixed(0)} ms, p95 ${p95.toFixed(0)} ms (load event median ${percentile(r.loadMs, 50).toFixed(0)} ms)`, '< 1.5 s', p95 < 1500);
    row('  first load after start (bundle built on first request)', `${r.coldFmpMs.toFixed(0)} ms`, '—', undefined);
    const raw = r.scripts.reduce((a, x) => a + x.bytes, 0);
    const gz = r.scripts.reduce((a, x) => a + x.gzip, 0);
    row(`dashboard first screen's JS (${r.scripts.map((x) => x.name).join(' + ')})`, `${(raw / 1024).toFixed(0)} KB raw, ${(gz / 1024).toFixed(0)} KB gzipped`, '< 300 KB gzipped', gz < 300 * 1024);
  }

  console.log(`\nChatCRM benchmarks — ${new Date().toISOString()} — ${machine}\n`);
  console.log('| benchmark | result | target | |');
  console.log('|---|---|---|---|');
  for (const l of lines) console.log(l);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
