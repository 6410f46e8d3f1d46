// A small load generator over raw keep-alive TCP connections (one per worker): fixed-rate or closed-loop,
// loopback only, bounded in count and time. Runs inside the load-generator process (loadgen.ts). Requests are
// serialised to bytes once, before the clock starts, and answers are read with a minimal HTTP/1.1 parser —
// node:http's client cost more CPU per request than a bare fastify route, so with it the generator, not the
// server, was the ceiling (≈ 15k req/s against ≈ 30k on the same machine).
import { connect, type Socket } from 'node:net';

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

const wires = new WeakMap<PreparedRequest, Buffer>();
/** The request as bytes on the wire (memoised: call it before the clock starts). */
export function wire(r: PreparedRequest): Buffer {
  let b = wires.get(r);
  if (!b) {
    const u = new URL(r.url);
    const head = [`${r.init.method} ${u.pathname}${u.search} HTTP/1.1`, `host: ${u.host}`];
    for (const [k, v] of Object.entries(r.init.headers)) if (k.toLowerCase() !== 'content-length' && k.toLowerCase() !== 'host') head.push(`${k}: ${v}`);
    head.push(`content-length: ${r.init.body.length}`, '', '');
    b = Buffer.concat([Buffer.from(head.join('\r\n'), 'latin1'), r.init.body]);
    wires.set(r, b);
  }
  return b;
}

/** One keep-alive connection: requests one at a time; each resolves with the HTTP status (0 on a network error or after 10 s). */
class Conn {
  private socket: Socket;
  private buf: Buffer = Buffer.alloc(0);
  private waiting: ((status: number) => void) | undefined;
  dead = false;
  constructor(port: number, host: string) {
    this.socket = connect(port, host);
    this.socket.setNoDelay(true);
    this.socket.setTimeout(10_000, () => this.fail());
    this.socket.on('data', (d: Buffer) => this.onData(d));
    this.socket.on('error', () => this.fail());
    this.socket.on('close', () => this.fail());
  }
  send(bytes: Buffer): Promise<number> {
    if (this.dead) return Promise.resolve(0);
    return new Promise((resolve) => {
      this.waiting = resolve;
      this.socket.write(bytes);
    });
  }
  close() {
    this.dead = true;
    this.socket.destroy();
  }
  private fail() {
    this.dead = true;
    this.socket.destroy();
    const w = this.waiting;
    this.waiting = undefined;
    w?.(0);
  }
  private onData(d: Buffer) {
    this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
    for (;;) {
      const end = this.buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = this.buf.subarray(0, end).toString('latin1');
      const status = Number(head.slice(9, 12));
      const len = /\r\ncontent-length:\s*(\d+)/i.exec(head);
      let total: number;
      if (len) total = end + 4 + Number(len[1]);
      else if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
        const last = this.buf.indexOf('\r\n0\r\n\r\n', end);
        if (last < 0) return;
        total = last + 7;
      } else total = end + 4; // no body (204, 304)
      if (this.buf.length < total) return;
      this.buf = this.buf.subarray(total);
      const closing = /\r\nconnection:\s*close/i.test(head);
      const w = this.waiting;
      this.waiting = undefined;
      if (closing) this.close();
      w?.(status);
    }
  }
}

/** Connections to one server, reused while idle (the open loop needs more than one when answers overlap). */
function pool(url: string) {
  const u = new URL(url);
  const idle: Conn[] = [];
  const all: Conn[] = [];
  return {
    async send(r: PreparedRequest): Promise<number> {
      let c = idle.pop();
      while (c?.dead) c = idle.pop();
      if (!c) all.push((c = new Conn(Number(u.port), u.hostname)));
      const status = await c.send(wire(r));
      if (!c.dead) idle.push(c);
      return status;
    },
    destroy: () => all.forEach((c) => c.close()),
  };
}

/** `concurrency` workers send back-to-back until `count` requests or `maxSeconds` have passed. */
export async function closedLoop(make: MakeRequest, count: number, concurrency: number, maxSeconds: number): Promise<LoadResult> {
  assertLoopback(make(0).url);
  const conns = Array.from({ length: concurrency }, () => pool(make(0).url));
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const started = performance.now();
  const deadline = started + maxSeconds * 1000;
  await Promise.all(
    conns.map(async (conn) => {
      while (next < count && performance.now() < deadline) {
        const r = make(next++);
        const t0 = performance.now();
        if ((await conn.send(r)) !== 200) errors++;
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  conns.forEach((c) => c.destroy());
  return summarise(latencies, errors, seconds);
}

/** Opens requests at a fixed rate (open loop), so latency is measured at that load. */
export async function fixedRate(make: MakeRequest, rate: number, seconds: number): Promise<LoadResult> {
  assertLoopback(make(0).url);
  const conn = pool(make(0).url);
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
      conn.send(r).then((status) => {
        if (status !== 200) errors++;
        latencies.push(performance.now() - t0);
      }),
    );
  }
  await Promise.all(inflight);
  const elapsed = (performance.now() - started) / 1000;
  conn.destroy();
  return summarise(latencies, errors, elapsed);
}

export function formatLoad(r: LoadResult) {
  return `${r.rps.toFixed(0)} req/s, p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, ${r.errors} errors / ${r.requests}`;
}
