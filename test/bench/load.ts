// A small load generator over undici's fetch (Node's global fetch): fixed-rate or closed-loop, loopback only,
// bounded in count and time.
export interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  rps: number;
  p50: number;
  p99: number;
}

function summarise(latencies: number[], errors: number, seconds: number): LoadResult {
  const sorted = [...latencies].sort((a, b) => a - b);
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
  return { requests: latencies.length, errors, seconds, rps: latencies.length / seconds, p50: q(0.5), p99: q(0.99) };
}

export type MakeRequest = (i: number) => { url: string; init: RequestInit };

function assertLoopback(url: string) {
  const host = new URL(url).hostname;
  if (host !== '127.0.0.1' && host !== 'localhost' && host !== '[::1]') throw new Error(`load tests target loopback only, not ${host}`);
}

/** `concurrency` workers send back-to-back until `count` requests or `maxSeconds` have passed. */
export async function closedLoop(make: MakeRequest, count: number, concurrency: number, maxSeconds: number): Promise<LoadResult> {
  assertLoopback(make(0).url);
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const started = performance.now();
  const deadline = started + maxSeconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count && performance.now() < deadline) {
        const { url, init } = make(next++);
        const t0 = performance.now();
        const res = await fetch(url, init).catch(() => undefined);
        if (!res || res.status !== 200) errors++;
        await res?.arrayBuffer().catch(() => undefined);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return summarise(latencies, errors, (performance.now() - started) / 1000);
}

/** Opens requests at a fixed rate (open loop), so latency is measured at that load. */
export async function fixedRate(make: MakeRequest, rate: number, seconds: number): Promise<LoadResult> {
  assertLoopback(make(0).url);
  const latencies: number[] = [];
  let errors = 0;
  const inflight: Promise<void>[] = [];
  const started = performance.now();
  const total = Math.floor(rate * seconds);
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const { url, init } = make(i);
    const t0 = performance.now();
    inflight.push(
      fetch(url, init)
        .then(async (res) => {
          if (res.status !== 200) errors++;
          await res.arrayBuffer();
        })
        .catch(() => void errors++)
        .finally(() => void latencies.push(performance.now() - t0)),
    );
  }
  await Promise.all(inflight);
  return summarise(latencies, errors, (performance.now() - started) / 1000);
}

export function formatLoad(r: LoadResult) {
  return `${r.rps.toFixed(0)} req/s, p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, ${r.errors} errors / ${r.requests}`;
}
