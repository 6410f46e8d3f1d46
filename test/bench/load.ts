// A small load generator over node:http with a keep-alive agent (one socket per worker): fixed-rate or
// closed-loop, loopback only, bounded in count and time. Runs inside the load-generator process (loadgen.ts).
import { Agent, request } from 'node:http';

export interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  rps: number;
  p50: number;
  p99: number;
}

export interface PreparedRequest {
  url: string;
  init: { method: string; headers: Record<string, string>; body: Buffer };
}

function summarise(latencies: number[], errors: number, seconds: number): LoadResult {
  const sorted = [...latencies].sort((a, b) => a - b);
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
  return { requests: latencies.length, errors, seconds, rps: latencies.length / seconds, p50: q(0.5), p99: q(0.99) };
}

export type MakeRequest = (i: number) => PreparedRequest;

function assertLoopback(url: string) {
  const host = new URL(url).hostname;
  if (host !== '127.0.0.1' && host !== 'localhost' && host !== '[::1]') throw new Error(`load tests target loopback only, not ${host}`);
}

/** One request; resolves with the HTTP status (0 on a network error or after 10 s). */
function send(agent: Agent, r: PreparedRequest): Promise<number> {
  return new Promise((resolve) => {
    const u = new URL(r.url);
    const req = request(
      { agent, host: u.hostname, port: u.port, path: `${u.pathname}${u.search}`, method: r.init.method, headers: { ...r.init.headers, 'content-length': String(r.init.body.length) }, timeout: 10_000 },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', () => resolve(0));
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
    req.end(r.init.body);
  });
}

/** `concurrency` workers send back-to-back until `count` requests or `maxSeconds` have passed. */
export async function closedLoop(make: MakeRequest, count: number, concurrency: number, maxSeconds: number): Promise<LoadResult> {
  assertLoopback(make(0).url);
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const started = performance.now();
  const deadline = started + maxSeconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count && performance.now() < deadline) {
        const r = make(next++);
        const t0 = performance.now();
        if ((await send(agent, r)) !== 200) errors++;
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  return summarise(latencies, errors, seconds);
}

/** Opens requests at a fixed rate (open loop), so latency is measured at that load. */
export async function fixedRate(make: MakeRequest, rate: number, seconds: number): Promise<LoadResult> {
  assertLoopback(make(0).url);
  const agent = new Agent({ keepAlive: true });
  const latencies: number[] = [];
  let errors = 0;
  const inflight: Promise<void>[] = [];
  const started = performance.now();
  const total = Math.floor(rate * seconds);
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const r = make(i);
    const t0 = performance.now();
    inflight.push(
      send(agent, r).then((status) => {
        if (status !== 200) errors++;
        latencies.push(performance.now() - t0);
      }),
    );
  }
  await Promise.all(inflight);
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  return summarise(latencies, errors, elapsed);
}

export function formatLoad(r: LoadResult) {
  return `${r.rps.toFixed(0)} req/s, p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, ${r.errors} errors / ${r.requests}`;
}
