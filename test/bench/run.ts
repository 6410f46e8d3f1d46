// `npm run bench`: the four benchmarks side by side in one process, with their targets and ratios.
// Sizes can be raised with env vars (BENCH_FULL=1 runs the full sizes). Loopback only; stops by itself.
import { cpus, totalmem } from 'node:os';
import { benchDatabase } from './db.js';
import { benchCallbacks, formatLoad } from './callbacks.js';
import { benchOutbox } from './outbox.js';
import { benchDigests, benchOverdue } from './scans.js';
import { benchSimilarLookup } from './dedup.js';

const full = process.env.BENCH_FULL === '1';
const num = (name: string, dflt: number) => Number(process.env[name] ?? dflt);
// `npm run bench -- digest` runs only the benches whose name is given (callbacks, overdue, digest, outbox, dedup).
const only = process.argv.slice(2);
const want = (name: string) => only.length === 0 || only.includes(name);

async function main() {
  const machine = `${cpus().length} × ${cpus()[0]?.model.trim()}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
  const lines: string[] = [];
  const row = (name: string, result: string, target: string, ok: boolean | undefined) =>
    lines.push(`| ${name} | ${result} | ${target} | ${ok === undefined ? '—' : ok ? 'met' : 'NOT met'} |`);

  if (want('callbacks')) {
    const db = await benchDatabase();
    console.error(`[1/4] callbacks on ${db.label} …`);
    const platforms = (process.env.BENCH_PLATFORMS ?? 'wecom,feishu,dingtalk').split(',') as Array<'wecom' | 'feishu' | 'dingtalk'>;
    const r = await benchCallbacks(db.db, { count: num('BENCH_CALLBACKS', 3000), concurrency: 16, rate: 200, seconds: num('BENCH_RATE_SECONDS', 10), platforms });
    row('bare fastify route (ceiling)', formatLoad(r.bareMax), '—', undefined);
    for (const p of r.results) {
      const ratio = p.max.rps / r.bareMax.rps;
      row(`${p.platform} /跟进 callbacks, closed loop ×16 (${db.label})`, `${formatLoad(p.max)} = ${(ratio * 100).toFixed(1)}% of bare`, '≥ 25% of bare', ratio >= 0.25 && p.max.errors === 0);
      row(`${p.platform} callbacks at 200 req/s`, formatLoad(p.atRate), 'p99 < 20 ms', p.atRate.p99 < 20 && p.atRate.errors === 0);
    }
    row(
      '  then processing the acknowledged commands',
      `${r.processed} of ${r.accepted} in ${r.processSeconds.toFixed(1)} s = ${(r.processed / r.processSeconds).toFixed(0)} commands/s`,
      'all processed',
      r.processed === r.accepted,
    );
    await db.close();
  }
  if (want('overdue')) {
    const db = await benchDatabase();
    const sizes = full ? [100_000, 1_000_000] : [num('BENCH_DEALS_SMALL', 100_000), num('BENCH_DEALS_LARGE', 300_000)];
    console.error(`[2/4] overdue scan at ${sizes.join(' / ')} deals on ${db.label} …`);
    const r = await benchOverdue(db.db, sizes, 10_000);
    for (const x of r) row(`overdue scan, ${x.deals.toLocaleString()} deals, ${x.found.toLocaleString()} overdue`, `${x.ms.toFixed(1)} ms`, '< 1 s at 1M', x.ms < 1000);
    if (r.length === 2) row('  growth large / small table', `${(r[1]!.ms / r[0]!.ms).toFixed(2)}× for ${(r[1]!.deals / r[0]!.deals).toFixed(0)}× the deals`, '≈ 1× (grows with overdue, not table)', r[1]!.ms / r[0]!.ms < 2);
    await db.close();
  }
  if (want('digest')) {
    const db = await benchDatabase();
    const teams = full ? 1000 : num('BENCH_TEAMS', 1000);
    console.error(`[3/4] digests for ${teams} teams × 200 deals on ${db.label} …`);
    const r = await benchDigests(db.db, teams, 200);
    row(`daily digests, ${r.teams} teams × 200 deals`, `${(r.ms / 1000).toFixed(2)} s (${(r.ms / r.teams).toFixed(1)} ms/team)`, '< 10 s', r.ms < 10_000);
    await db.close();
  }
  if (want('outbox')) {
    const db = await benchDatabase();
    const count = full ? 10_000 : num('BENCH_OUTBOX', 400);
    console.error(`[4/4] outbox: ${count} messages at 20 msg/s …`);
    const r = await benchOutbox(db.db, count, 20);
    row(`outbox, ${r.count} messages, limit 20 msg/s`, `${r.delivered} delivered (${r.unique} distinct) in ${r.seconds.toFixed(1)} s = ${r.rate.toFixed(1)} msg/s`, `≈ ${r.expected.toFixed(0)} s, none twice`, r.unique === r.count && r.delivered === r.count && r.rate <= 21);
    await db.close();
  }

  if (want('dedup')) {
    const db = await benchDatabase();
    const n = num('BENCH_CUSTOMERS', 100_000);
    console.error(`[5/5] similar-customer lookup at ${n.toLocaleString()} customers on ${db.label} …`);
    const r = await benchSimilarLookup(db.db, n, num('BENCH_LOOKUPS', 400));
    row(
      `similar-name lookup (可能是同一家), ${r.customers.toLocaleString()} customers, ${r.lookups} lookups (${r.found} with suggestions)`,
      `mean ${r.meanMs.toFixed(1)} ms, p95 ${r.p95Ms.toFixed(1)} ms, max ${r.maxMs.toFixed(1)} ms`,
      '< 20 ms per lookup (PostgreSQL)',
      r.p95Ms < 20,
    );
    await db.close();
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
