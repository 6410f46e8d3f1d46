// The production app for tests: built by the same composition root as `npm start` (src/compose.ts), on the test
// database, with the platforms pointed at the fake APIs on 127.0.0.1. Messages take the production inbox path
// (record → ack → background drainers → outbox lanes); `settle()` waits until that work is done.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import type { LightMyRequestResponse } from 'fastify';
import type { RawRequest } from '../../src/adapter.js';
import { composeApp, type ComposedApp } from '../../src/compose.js';
import { queryRows } from '../../src/db/rows.js';
import { TEST_DINGTALK } from '../bots/dingtalk/sign.js';
import { TEST_FEISHU } from '../bots/feishu/sign.js';
import { TEST_WECOM } from '../bots/wecom/sign.js';
import type { Database, Db } from '../../src/db/client.js';

export const wecomEnv = (apiBase: string) => ({
  WECOM_CORP_ID: TEST_WECOM.corpId,
  WECOM_AGENT_ID: String(TEST_WECOM.agentId),
  WECOM_SECRET: TEST_WECOM.secret,
  WECOM_TOKEN: TEST_WECOM.token,
  WECOM_ENCODING_AES_KEY: TEST_WECOM.encodingAesKey,
  WECOM_API_BASE: apiBase,
  WECOM_GROUP_WEBHOOKS: Object.entries(TEST_WECOM.webhooks ?? {}).map(([k, v]) => `${k}=${v}`).join(','),
});

export const feishuEnv = (domain: string) => ({
  FEISHU_APP_ID: TEST_FEISHU.appId,
  FEISHU_APP_SECRET: TEST_FEISHU.appSecret,
  FEISHU_VERIFICATION_TOKEN: TEST_FEISHU.verificationToken,
  FEISHU_ENCRYPT_KEY: TEST_FEISHU.encryptKey,
  FEISHU_DOMAIN: domain,
  FEISHU_MODE: 'webhook',
});

export const dingtalkEnv = (apiBase: string) => ({
  DINGTALK_CLIENT_ID: TEST_DINGTALK.clientId,
  DINGTALK_CLIENT_SECRET: TEST_DINGTALK.clientSecret,
  DINGTALK_ROBOT_CODE: TEST_DINGTALK.robotCode,
  DINGTALK_API_BASE: apiBase,
  DINGTALK_OAPI_BASE: apiBase,
  DINGTALK_MODE: 'http',
});

export interface TestServer extends ComposedApp {
  /** Log lines the app wrote (parsed JSON). */
  logs: Array<Record<string, any>>;
  /** Sends a raw platform request to a bot route. */
  post(path: string, req: RawRequest): Promise<LightMyRequestResponse>;
  /** Waits (bounded) until the inbox is empty, nothing is due for this app's lanes (by the code's clock), and every loop is idle. */
  settle(timeoutMs?: number): Promise<void>;
}

export async function startTestServer(
  t: { db: Db; database: Database },
  env: Record<string, string>,
  o: { now?: () => Date; scheduler?: boolean } = {},
): Promise<TestServer> {
  const logs: Array<Record<string, any>> = [];
  // A data directory of our own (the console key lives there) unless the test brings one; removed on close.
  const ownDir = env.DATA_DIR ? undefined : mkdtempSync(join(tmpdir(), 'chatcrm-test-'));
  const app = await composeApp(
    { ...(ownDir ? { DATA_DIR: ownDir } : {}), LOG_LEVEL: 'warn', ...env },
    {
      database: t.database,
      logStream: { write: (line: string) => void logs.push(JSON.parse(line)) },
      pollMs: 50,
      scheduler: o.scheduler ?? false,
      ...(o.now ? { now: o.now } : {}),
    },
  );
  const post = (path: string, req: RawRequest) => {
    const q = new URLSearchParams(req.query as Record<string, string>).toString();
    return app.server.inject({ method: req.method as 'POST', url: q ? `${path}?${q}` : path, headers: req.headers as Record<string, string>, payload: req.body });
  };
  // Rows for a platform this app has no lane for (a test's stand-in copy) are nobody's to send here.
  const platforms = app.adapters.map((a) => a.platform);
  async function settle(timeoutMs = 10_000) {
    const until = Date.now() + timeoutMs;
    for (;;) {
      // Event-driven: wake every loop, wait (without touching the database) until each has run out of work, then
      // confirm with one query — a drainer that queued replies has kicked the lanes, so they are not idle yet.
      app.background.kick();
      while (!app.background.idle() && Date.now() <= until) await new Promise((r) => setTimeout(r, 1));
      const [w] = await queryRows<{ inbox: number; outbox: number }>(
        t.db,
        sql`select (select count(*)::int from inbound_events where status = 'pending') as inbox,
                   (select count(*)::int from outbox where status in ('pending', 'sending') and next_attempt_at <= ${(o.now ?? (() => new Date()))().toISOString()}::timestamptz
                      and platform in (${sql.join(platforms.map((p) => sql`${p}`), sql`, `)})) as outbox`,
      );
      if (Number(w!.inbox) === 0 && Number(w!.outbox) === 0 && app.background.idle()) return;
      if (Date.now() > until) {
        const stuck = await queryRows(t.db, sql`select id, platform, status, attempts, next_attempt_at, last_error, left(payload::text, 160) as payload from outbox where status in ('pending', 'sending') order by id limit 5`);
        throw new Error(`not settled: ${JSON.stringify(w)}, idle ${app.background.idle()}; waiting outbox rows: ${JSON.stringify(stuck)}`);
      }
    }
  }
  const close = app.close.bind(app);
  const closeAndClean = async () => {
    await close();
    if (ownDir) rmSync(ownDir, { recursive: true, force: true });
  };
  return Object.assign(app, { logs, post, settle, close: closeAndClean });
}
