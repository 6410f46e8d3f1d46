// How the console CLI reaches the core: the production app built in-process (src/compose.ts), or the signed
// loopback route of a running server (PGlite is single-process, so while `npm start` runs, the CLI talks to it).
// Either way a line takes the same path: console route → inbox → drainer → outbox → mailbox.
import type { CoreEnv } from '../../src/config/env.js';
import { composeApp } from '../../src/compose.js';
import { DataDirLockedError } from '../../src/db/lock.js';
import type { DispatchOutcome } from '../../src/adapter.js';
import { signConsoleRequest, type ConsoleRequest } from './adapter.js';
import { readConsoleSecret } from '../../src/server/local-secret.js';

export interface Transport {
  describe: string;
  send(req: ConsoleRequest): Promise<DispatchOutcome>;
  /** Collects mailbox entries once delivery has settled. */
  settle<T>(take: () => T[]): Promise<T[]>;
  close(): Promise<void>;
}

/** `raw`: the environment as given (the composition root reads the platform blocks from it too). */
export async function openTransport(env: CoreEnv, raw: Record<string, string | undefined>): Promise<Transport> {
  try {
    return await direct(env, raw);
  } catch (err) {
    if (!(err instanceof DataDirLockedError)) throw err;
    return viaServer(env);
  }
}

/**
 * No server holds the database: the console builds the production app itself (src/compose.ts, without listening
 * and without the scheduler) and sends each line through its signed console route, as `npm start` would run it.
 */
async function direct(env: CoreEnv, raw: Record<string, string | undefined>): Promise<Transport> {
  const app = await composeApp(raw, { scheduler: false, pollMs: 200 });
  const secret = readConsoleSecret(env.DATA_DIR, { create: true })!;
  return {
    describe: app.database.describe,
    async send(req) {
      const body = JSON.stringify(req);
      const ts = String(Date.now());
      const res = await app.server.inject({
        method: 'POST',
        url: '/bots/console/message',
        headers: { 'content-type': 'application/json', 'x-console-timestamp': ts, 'x-console-signature': signConsoleRequest(secret, ts, body) },
        payload: body,
      });
      if (res.statusCode !== 200) throw new Error(`服务返回 ${res.statusCode}`);
      return res.json() as DispatchOutcome;
    },
    async settle(take) {
      // Wake the drainers and lanes, wait until every loop has run out of work, then read the mailbox.
      for (let i = 0; i < 3; i++) {
        app.background.kick();
        const until = Date.now() + 10_000;
        while (!app.background.idle() && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
      }
      return take();
    },
    close: () => app.close(),
  };
}

function viaServer(env: CoreEnv): Transport {
  const secret = readConsoleSecret(env.DATA_DIR, { create: false });
  if (!secret) throw new Error('服务正在运行，但找不到 console.key，请重启服务后再试。');
  const host = env.HOST === '0.0.0.0' ? '127.0.0.1' : env.HOST;
  const url = `http://${host}:${env.PORT}/bots/console/message`;
  return {
    describe: `通过运行中的服务 ${url}`,
    async send(req) {
      const body = JSON.stringify(req);
      const ts = String(Date.now());
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-console-timestamp': ts, 'x-console-signature': signConsoleRequest(secret, ts, body) },
        body,
      });
      if (!res.ok) throw new Error(`服务返回 ${res.status}`);
      return (await res.json()) as DispatchOutcome;
    },
    async settle(take) {
      // The server's sender delivers within moments; wait until the mailbox stays quiet briefly.
      const got: Array<ReturnType<typeof take>[number]> = [];
      const deadline = Date.now() + 3000;
      let quietSince = Date.now();
      while (Date.now() < deadline) {
        const batch = take();
        if (batch.length > 0) {
          got.push(...batch);
          quietSince = Date.now();
        } else if (got.length > 0 && Date.now() - quietSince > 300) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      return got;
    },
    close: async () => {},
  };
}
