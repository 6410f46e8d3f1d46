// CPU per unit of work, from outside (`npm run bench -- cpu`, PostgreSQL: BENCH_DATABASE_URL). Wall-clock rates
// on a shared machine swing 2–3× with the neighbours' load; the CPU time one acknowledgement or one command costs
// swings far less, and it is what bounds the rates on a given number of cores. Same processes as the outside
// bench (test/bench/outside.ts): the production server in its own process, the fakes in another, the load from a
// third. Per platform, 50 users (each with a customer and a deal) send `count` signed `/跟进`:
// - pass 1, new messages: CPU from the first request until every message is processed and every reply delivered
//   to the fake platform (delivery limits raised so the limiter does not stretch the window) = ack + command;
// - pass 2, the very same messages again (a fresh load-generator process signs the same message ids): every one
//   is a platform retry, verified, decrypted, parsed and refused by the inbox insert = the ack alone.
// CPU comes from /proc (the server process, and PostgreSQL's backends for its database); ticks are 10 ms, so
// `count` is kept large enough for a few percent of resolution.
import type { Platform } from './loadgen.js';
import { CALLBACK_PATHS } from './loadgen.js';
import { companyName, cpuDiff, cpuSnapshot, load, scratchDatabase, send, startFakes, startServer, until, type CpuSnapshot } from './outside.js';

export interface CpuResult {
  platform: Platform;
  count: number;
  /** µs per message: server process and PostgreSQL (its database's backends). */
  full: { server: number; pg: number; seconds: number };
  ack: { server: number; pg: number; seconds: number };
  followUps: number;
}

const PLATFORMS: Platform[] = ['wecom', 'feishu', 'dingtalk'];

export async function benchCpu(o: { quick: boolean; platforms?: Platform[] }): Promise<CpuResult[] | { skipped: string }> {
  if (!process.env.BENCH_DATABASE_URL) return { skipped: 'needs BENCH_DATABASE_URL (live polling and PostgreSQL backend CPU)' };
  const count = o.quick ? 1000 : 3000;
  const users = 50;
  const fakes = await startFakes();
  const db = await scratchDatabase();
  const live = db.live!;
  const results: CpuResult[] = [];
  const fast = { CHATCRM_RATE_WECOM: '100000', CHATCRM_RATE_FEISHU: '100000', CHATCRM_RATE_DINGTALK: '100000' };
  const server = await startServer(db, fakes, fast);
  try {
    const idle = async () => {
      const [r] = await live<{ i: number; o: number }>(
        `select (select count(*)::int from inbound_events where status = 'pending') as i, (select count(*)::int from outbox where status in ('pending', 'sending')) as o`,
      );
      return Number(r!.i) === 0 && Number(r!.o) === 0;
    };
    for (const p of o.platforms ?? (process.env.BENCH_CPU_PLATFORMS?.split(',') as Platform[] | undefined) ?? PLATFORMS) {
      const ids = Array.from({ length: users }, (_, i) => `cpu-${p}-${String(i).padStart(2, '0')}`);
      const names = ids.map((_, i) => companyName(100 * (PLATFORMS.indexOf(p) + 1) + i));
      console.error(`[cpu] ${p}: setting up ${users} users …`);
      for (const [i, u] of ids.entries()) {
        await send(server.base, p, u, `/新客户 ${names[i]} 13${PLATFORMS.indexOf(p) + 5}${String(i).padStart(8, '0')}`, `sc${p}${i}`);
        await send(server.base, p, u, `/新商机 ${names[i]} 压测商机 1万`, `sd${p}${i}`);
      }
      await until('the setup', 120_000, idle);
      const job = { platform: p, url: `${server.base}${CALLBACK_PATHS[p]}`, tag: `cpu${p}`, text: '/跟进 {name} 电话沟通，客户要样品 {i}', users: ids, names, mode: { kind: 'closed' as const, count, concurrency: 16, maxSeconds: 300 } };
      const followUps = async () => Number((await live<{ n: number }>(`select count(*)::int as n from follow_ups`))[0]!.n);
      const f0 = await followUps();
      const per = (c: CpuSnapshot | undefined, seconds: number) => ({ server: (c!.server * 1000) / count, pg: (c!.pgDb * 1000) / count, seconds });

      console.error(`[cpu] ${p}: pass 1, ${count} new /跟进 …`);
      let a = cpuSnapshot(server.pid, db.name);
      let t0 = performance.now();
      const first = await load(job);
      if (first.errors > 0) throw new Error(`${p}: ${first.errors} of ${count} not acknowledged`);
      await until('pass 1 processed and delivered', 600_000, idle);
      const full = per(cpuDiff(a, cpuSnapshot(server.pid, db.name)), (performance.now() - t0) / 1000);
      const f1 = await followUps();
      if (f1 - f0 !== count) {
        const replies = await live<{ payload: unknown }>(`select payload from outbox where platform = '${p}' order by id limit 3`);
        throw new Error(`${p}: ${f1 - f0} follow-ups for ${count} messages; last replies: ${JSON.stringify(replies).slice(0, 1500)}`);
      }

      console.error(`[cpu] ${p}: pass 2, the same ${count} again (retries) …`);
      a = cpuSnapshot(server.pid, db.name);
      t0 = performance.now();
      const again = await load(job);
      if (again.errors > 0) throw new Error(`${p}: ${again.errors} retries not acknowledged`);
      await until('pass 2 settled', 60_000, idle);
      const ack = per(cpuDiff(a, cpuSnapshot(server.pid, db.name)), (performance.now() - t0) / 1000);
      const f2 = await followUps();
      if (f2 !== f1) throw new Error(`${p}: retries wrote ${f2 - f1} follow-ups`);
      results.push({ platform: p, count, full, ack, followUps: f1 - f0 });
    }
    return results;
  } finally {
    await server.stop(5000);
    await db.close();
    await fakes.stop();
  }
}

export function formatCpu(r: CpuResult): string {
  const us = (x: number) => `${Math.round(x)} µs`;
  return `ack ${us(r.ack.server)} server + ${us(r.ack.pg)} PostgreSQL; command (ack + processing + reply delivered) ${us(r.full.server)} + ${us(r.full.pg)}; processing alone ≈ ${us(r.full.server - r.ack.server)} + ${us(r.full.pg - r.ack.pg)} (${r.count} messages, ${r.followUps} follow-ups, retries wrote none)`;
}
