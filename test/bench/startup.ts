// Start-up time, from outside: spawn the server on an existing PGlite data directory and time until /readyz
// answers 200, then stop it with SIGTERM. Three ways: `npm start` as a user runs it (src/start.mjs: the bundle,
// rebuilt when a source changed), the same without npm in front, and the old way (tsx transpiling the sources on
// every start). Optionally with two busy loops on the machine ("loaded").
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

export const STARTS = {
  'npm start': ['npm', ['start', '--silent']],
  'node on the bundle (npm start without npm)': [process.execPath, ['--enable-source-maps', 'src/start.mjs']],
  'tsx on the sources (before)': [process.execPath, ['--import', 'tsx', 'src/main.ts']],
} as const satisfies Record<string, readonly [string, readonly string[]]>;
export type StartWay = keyof typeof STARTS;

async function ready(port: number, child: ChildProcess, deadline: number): Promise<void> {
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode} before it was ready`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/readyz`);
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('server not ready within 60 s');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** One start: ms from spawn to the first 200 from /readyz. */
export async function timeStart(way: StartWay, dataDir: string, port: number): Promise<number> {
  const [cmd, args] = STARTS[way];
  const t0 = performance.now();
  const child = spawn(cmd, [...args], { env: { ...process.env, DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' }, stdio: 'ignore' });
  try {
    await ready(port, child, Date.now() + 60_000);
    return performance.now() - t0;
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
  }
}

/** Two threads spinning, to see start-up on a busy machine; returns the function that stops them. */
function busyLoops(n = 2): () => Promise<void> {
  const src = `const { parentPort } = require('node:worker_threads'); let stop = false; parentPort.on('message', () => { stop = true; });
    (function spin() { const t = Date.now(); while (Date.now() - t < 50) {} if (!stop) setImmediate(spin); else process.exit(0); })();`;
  const workers = Array.from({ length: n }, () => new Worker(src, { eval: true }));
  return async () => {
    await Promise.all(workers.map((w) => new Promise((r) => (w.once('exit', r), w.postMessage('stop')))));
  };
}

export interface StartupResult {
  way: StartWay;
  loaded: boolean;
  ms: number[];
}

export async function benchStartup(o: { runs?: number; port?: number } = {}): Promise<StartupResult[]> {
  const runs = o.runs ?? 3;
  const port = o.port ?? 39_000 + (process.pid % 500);
  const dataDir = mkdtempSync(join(tmpdir(), 'chatcrm-startup-'));
  const out: StartupResult[] = [];
  try {
    // The first start creates and migrates the data directory; every measured start finds it existing.
    await timeStart('npm start', dataDir, port);
    for (const loaded of [false, true]) {
      const stop = loaded ? busyLoops() : undefined;
      try {
        for (const way of Object.keys(STARTS) as StartWay[]) {
          const ms: number[] = [];
          for (let i = 0; i < runs; i++) ms.push(await timeStart(way, dataDir, port));
          out.push({ way, loaded, ms });
        }
      } finally {
        await stop?.();
      }
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  return out;
}
