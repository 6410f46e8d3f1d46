// Real server processes for the multi-process and shutdown tests: the production entry (`node --import tsx
// src/main.ts`, i.e. src/compose.ts) as a child process on 127.0.0.1, with a free port, its own DATA_DIR and the
// given environment (database, platforms pointed at the fake APIs). Every process started here is killed by
// killAll() (call it in afterAll).
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';

const root = join(new URL('.', import.meta.url).pathname, '../..');
const started = new Set<ChildProcess>();

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

export interface ServerProc {
  name: string;
  base: string;
  port: number;
  child: ChildProcess;
  /** stdout and stderr so far (log lines; the failure message of a test). */
  logs: string[];
  /** Resolves with the exit code (null when killed by a signal) and the signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  alive(): boolean;
}

/** Spawns `command args` in the repository with a minimal environment plus `env`; does not wait for readiness. */
export function spawnServer(name: string, port: number, env: Record<string, string>, command: string[] = [process.execPath, '--import', 'tsx', 'src/main.ts']): ServerProc {
  const child = spawn(command[0]!, command.slice(1), {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', HOST: '127.0.0.1', LOG_LEVEL: 'warn', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.add(child);
  const logs: string[] = [];
  child.stdout!.on('data', (b: Buffer) => logs.push(b.toString('utf8')));
  child.stderr!.on('data', (b: Buffer) => logs.push(b.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      started.delete(child);
      resolve({ code, signal });
    }),
  );
  return { name, base: `http://127.0.0.1:${port}`, port, child, logs, exited, alive: () => child.exitCode === null && child.signalCode === null };
}

export async function waitReady(p: ServerProc, ms = 90_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await fetch(`${p.base}/readyz`, { signal: AbortSignal.timeout(2000) }).then((r) => r.ok).catch(() => false))) {
    if (!p.alive()) throw new Error(`${p.name} exited before it was ready:\n${p.logs.join('').slice(-3000)}`);
    if (Date.now() > until) throw new Error(`${p.name} was not ready after ${ms} ms:\n${p.logs.join('').slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts a server on a free port and waits until it answers /readyz (another port if that one was taken). */
export async function startServer(name: string, env: Record<string, string>): Promise<ServerProc> {
  for (let attempt = 1; ; attempt++) {
    const p = spawnServer(name, await freePort(), env);
    try {
      await waitReady(p);
      return p;
    } catch (err) {
      p.child.kill('SIGKILL');
      if (attempt >= 3 || !/EADDRINUSE/.test((err as Error).message)) throw err;
    }
  }
}

/** SIGKILLs every process this file started that is still running (afterAll). */
export async function killAll(): Promise<void> {
  const waits = [...started].map((c) => new Promise<void>((r) => (c.exitCode !== null || c.signalCode !== null ? r() : (c.once('exit', () => r()), c.kill('SIGKILL')))));
  await Promise.all(waits);
}
