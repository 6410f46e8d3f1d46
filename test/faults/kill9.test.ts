// Kill -9 of the server in the middle of a burst of commands: after a restart, every command that was
// acknowledged (HTTP 200) is in the database exactly once, and its reply reached the user exactly once.
// The server runs as a real child process (`node --import tsx src/main.ts`) against the fake WeCom API.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client.js';
import { queryRows } from '../../src/db/rows.js';
import { TEST_WECOM, signedCallback, textXml } from '../bots/wecom/sign.js';
import { startFakeWecom, type FakeWecom } from '../fakes/wecom-api.js';
import { createTestDb, testDriver, type TestDb } from '../helpers/db.js';
import { freePort } from '../helpers/procs.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function startServer(env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: process.cwd(),
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
}

/** The server's stderr, for the failure message. */
function capture(child: ChildProcess, into: string[]) {
  child.stderr?.on('data', (b: Buffer) => into.push(b.toString('utf8')));
}

/** Until /readyz answers 200; fails at once when the process has exited, with what it printed either way. */
async function waitReady(base: string, child: ChildProcess, logs: string[], ms = 60_000) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const ok = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(2000) }).then((r) => r.ok).catch(() => false);
    if (ok) return;
    if (child.exitCode !== null || child.signalCode !== null) break;
    await sleep(100);
  }
  const how = child.exitCode !== null || child.signalCode !== null ? `exited (${child.exitCode ?? child.signalCode})` : `not ready after ${ms} ms`;
  throw new Error(`server ${how}:\n${logs.join('').slice(-3000)}`);
}

describe(`kill -9 during a burst of commands (${testDriver()})`, () => {
  let fake: FakeWecom;
  let server: ChildProcess | undefined;
  let testDb: TestDb | undefined;
  const dataDir = mkdtempSync(join(tmpdir(), 'chatcrm-kill9-'));
  afterAll(async () => {
    server?.kill('SIGKILL');
    await fake?.close();
    await testDb?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps every acknowledged command and delivers each reply once', { timeout: 180_000 }, async () => {
    fake = await startFakeWecom({ corpId: TEST_WECOM.corpId, secret: TEST_WECOM.secret, agentId: TEST_WECOM.agentId });
    // A port the OS just handed out (a random one could be another suite's, running alongside).
    const port = await freePort();
    const env: Record<string, string> = {
      DATA_DIR: dataDir,
      PORT: String(port),
      WECOM_CORP_ID: TEST_WECOM.corpId,
      WECOM_AGENT_ID: String(TEST_WECOM.agentId),
      WECOM_SECRET: TEST_WECOM.secret,
      WECOM_TOKEN: TEST_WECOM.token,
      WECOM_ENCODING_AES_KEY: TEST_WECOM.encodingAesKey,
      WECOM_API_BASE: fake.baseUrl,
      // Rows the killed process had claimed mid-send are sent again after the lease (3 s here, 60 s by default).
      CHATCRM_OUTBOX_LEASE_MS: '3000',
    };
    if (testDriver() === 'postgres') {
      testDb = await createTestDb();
      env.DATABASE_URL = testDb.url!;
    }
    const base = `http://127.0.0.1:${port}`;
    const logs: string[] = [];
    server = startServer(env);
    capture(server, logs);
    await waitReady(base, server, logs);

    // Names that share no character pair, so none is offered as "maybe the same company" as another (可能是同一家).
    const names = Array.from({ length: 240 }, (_, i) => `${String.fromCharCode(0x4e00 + 3 * i, 0x4e01 + 3 * i, 0x4e02 + 3 * i)}厂`);
    const acked: string[] = [];
    let next = 0;
    let killed = false;
    const send = async (name: string, i: number) => {
      const req = signedCallback(textXml(`rep${i % 4}`, `/新客户 ${name} 139${String(i).padStart(8, '0')}`, `5500000000${String(i).padStart(6, '0')}`));
      const res = await fetch(`${base}/bots/wecom/callback?${new URLSearchParams(req.query as Record<string, string>)}`, { method: 'POST', headers: req.headers as Record<string, string>, body: req.body, signal: AbortSignal.timeout(10_000) }).catch(() => undefined);
      if (res?.status === 200) acked.push(name);
      await res?.arrayBuffer().catch(() => undefined);
    };
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < names.length) {
          const i = next++;
          await send(names[i]!, i);
          if (!killed && acked.length >= 80) {
            killed = true;
            server!.kill('SIGKILL');
          }
        }
      }),
    );
    expect(killed).toBe(true);
    expect(acked.length).toBeGreaterThanOrEqual(80);
    expect(acked.length).toBeLessThan(names.length); // the kill really cut the burst

    // Restart on the same data; the inbox and the outbox finish what was acknowledged.
    server = startServer(env);
    capture(server, logs);
    await waitReady(base, server, logs);
    const until = Date.now() + 90_000;
    const deliveredFor = (name: string) => fake.delivered.filter((d) => d.content.includes(name)).length;
    while (Date.now() < until && acked.some((n) => deliveredFor(n) === 0)) await sleep(200);
    await sleep(4500); // past the lease: rows the killed process held are resent now, and anything sent twice would show up
    server.kill('SIGTERM');
    await new Promise((r) => server!.once('exit', r));
    server = undefined;

    for (const name of acked) expect(deliveredFor(name), `${name}\n${logs.join('').slice(-2000)}`).toBe(1);
    const database = testDriver() === 'postgres' ? testDb!.database : await openDatabase({ dataDir });
    try {
      const rows = await queryRows<{ name: string; n: number }>(database.db, sql`select name, count(*)::int as n from customers group by name`);
      const byName = new Map(rows.map((r) => [r.name, Number(r.n)]));
      for (const name of acked) expect(byName.get(name), name).toBe(1);
      expect(Math.max(...rows.map((r) => Number(r.n)))).toBe(1);
      expect(await queryRows(database.db, sql`select count(*)::int as n from inbound_events where status = 'pending'`)).toEqual([{ n: 0 }]);
      expect(await queryRows(database.db, sql`select count(*)::int as n from outbox where status <> 'sent'`)).toEqual([{ n: 0 }]);
    } finally {
      if (testDriver() !== 'postgres') await database.close();
    }
  });
});
