// Counts the SQL statements one WeCom `/跟进` costs end to end on the production composition (src/compose.ts):
// the acknowledging insert, the drainer's claim and lock, the command, the reply's outbox row, its delivery to the
// fake WeCom API and marking it sent. postgres.js reports every statement it sends (its `debug` hook).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { composeApp } from '../../src/compose.js';
import { drizzleOnPostgres, type Database } from '../../src/db/client.js';
import { signedCallback, textXml, TEST_WECOM } from '../bots/wecom/sign.js';
import { startFakeWecom } from '../fakes/wecom-api.js';
import { wecomEnv } from '../helpers/server.js';

export interface QueryCount {
  commands: number;
  /** Statements per command (all of them over the number of commands). */
  perCommand: number;
  /** Every statement sent while the commands ran, whitespace collapsed, cut at 400 characters. */
  statements: string[];
}

export async function countQueries(adminUrl: string, commands = 20): Promise<QueryCount> {
  const name = `chatcrm_q_${randomBytes(4).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  let log: string[] | undefined;
  const client = postgres(u.toString(), { max: 10, onnotice: () => {}, debug: (_c, q) => log?.push(q.replace(/\s+/g, " ").slice(0, 400)) });
  const watch = postgres(u.toString(), { max: 1, onnotice: () => {} });
  const database: Database = { db: drizzleOnPostgres(client), driver: 'postgres', describe: 'PostgreSQL (counted)', close: () => client.end() };
  const fake = await startFakeWecom({ corpId: TEST_WECOM.corpId, secret: TEST_WECOM.secret, agentId: TEST_WECOM.agentId });
  const app = await composeApp({ DATA_DIR: mkdtempSync(join(tmpdir(), 'chatcrm-q-')), LOG_LEVEL: 'warn', ...wecomEnv(fake.baseUrl) }, { database, scheduler: false, pollMs: 60_000 });
  const post = async (user: string, text: string) => {
    const req = signedCallback(textXml(user, text));
    const q = new URLSearchParams(req.query as Record<string, string>).toString();
    const res = await app.server.inject({ method: 'POST', url: `/bots/wecom/callback?${q}`, headers: req.headers as Record<string, string>, payload: req.body });
    if (res.statusCode !== 200) throw new Error(`ack ${res.statusCode}`);
  };
  const delivered = async (n: number) => {
    const until = Date.now() + 20_000;
    while (fake.sends().length < n) {
      if (Date.now() > until) throw new Error(`only ${fake.sends().length} of ${n} delivered`);
      await new Promise((r) => setTimeout(r, 5));
    }
    // The lane marks the row sent after the fake answered (polled on a connection that is not counted).
    while (Number((await watch`select count(*)::int as n from outbox where status <> 'sent'`)[0]!.n) > 0) {
      if (Date.now() > until) throw new Error('outbox rows not marked sent');
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  try {
    await post('q-rep', '/新客户 华东五金 13800138000');
    await post('q-rep', '/新商机 华东五金 阀门 1万');
    await delivered(2);
    await post('q-rep', '/跟进 华东五金 预热');
    await delivered(3);
    log = [];
    for (let i = 0; i < commands; i++) {
      await post('q-rep', `/跟进 华东五金 电话沟通 第${i}次`);
      await delivered(4 + i);
    }
    const statements = log;
    log = undefined;
    return { commands, perCommand: statements.length / commands, statements };
  } finally {
    log = undefined;
    await app.close();
    await fake.close();
    await client.end();
    await watch.end();
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await countQueries(process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/chatcrm_dev');
  console.log(`statements per /跟进 end to end: ${r.perCommand}`);
  const byKind = new Map<string, number>();
  for (const s of r.statements) byKind.set(s.slice(0, 70), (byKind.get(s.slice(0, 70)) ?? 0) + 1);
  for (const [s, k] of [...byKind].sort((a, b) => b[1] - a[1])) console.log(`  ${(k / r.commands).toFixed(2)} × ${s}`);
}
