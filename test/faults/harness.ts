// The one fault harness: the production app (src/compose.ts via test/helpers/server.ts — inbox, drainers, outbox
// lanes) with the platforms pointed at the fakes on 127.0.0.1, raw-wire inject helpers that let a test send any query
// string, headers or body bytes, row counts and deltas, and the deterministic mutation generators.
// A message is acknowledged once recorded and processed after the answer: `await app.settle()` before asserting
// on its effects.
import { sql } from 'drizzle-orm';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { RawRequest } from '../../src/adapter.js';
import type { Database, Db } from '../../src/db/client.js';
import { queryRows } from '../../src/db/rows.js';
import { TEST_DINGTALK } from '../bots/dingtalk/sign.js';
import { TEST_FEISHU } from '../bots/feishu/sign.js';
import { TEST_WECOM, signedCallback, textXml } from '../bots/wecom/sign.js';
import { dingtalkEnv, feishuEnv, startTestServer, wecomEnv, type TestServer } from '../helpers/server.js';

export const CALLBACK_PATH = '/bots/wecom/callback';
export const FEISHU_PATH = '/bots/feishu/events';
export const DINGTALK_PATH = '/bots/dingtalk/callback';

/** Tables whose row counts show whether a request had an effect. */
export const EFFECT_TABLES = ['customers', 'inbound_events', 'outbox', 'deals', 'follow_ups', 'approval_steps', 'tenants', 'users'] as const;

/** The production app under test, with fastify's `inject` at hand. */
export type FaultApp = TestServer & { inject: FastifyInstance['inject'] };

/**
 * Starts the production composition on `t` with the named platforms enabled; each points at the given API base
 * (a fake's URL), or at a closed port when `true` (replies then fail and are retried later, as in production).
 * `env` adds configuration (e.g. ADMIN_TOKEN for the admin API).
 */
export async function startFaultApp(
  t: { db: Db; database: Database },
  platforms: { wecom?: string | true; feishu?: string | true; dingtalk?: string | true },
  o: { now?: () => Date; scheduler?: boolean; env?: Record<string, string> } = {},
): Promise<FaultApp> {
  const base = (v: string | true, fallback: string) => (v === true ? fallback : v);
  const env = {
    ...(platforms.wecom ? wecomEnv(base(platforms.wecom, TEST_WECOM.apiBase)) : {}),
    ...(platforms.feishu ? feishuEnv(base(platforms.feishu, TEST_FEISHU.domain)) : {}),
    ...(platforms.dingtalk ? dingtalkEnv(base(platforms.dingtalk, TEST_DINGTALK.apiBase)) : {}),
    ...o.env,
  };
  const app = await startTestServer(t, env, { ...(o.now ? { now: o.now } : {}), ...(o.scheduler !== undefined ? { scheduler: o.scheduler } : {}) });
  return Object.assign(app, { inject: app.server.inject.bind(app.server) as FastifyInstance['inject'] });
}

type Injector = Pick<FastifyInstance, 'inject'>;

/** A request as it goes on the wire: the query string is kept raw so tests can duplicate or break parameters. */
export interface WireRequest {
  /** Raw query string without the leading '?'. */
  query: string;
  headers: Record<string, string>;
  body: Buffer;
}

export const toWire = (req: RawRequest): WireRequest => ({
  query: new URLSearchParams(req.query as Record<string, string>).toString(),
  headers: { ...(req.headers as Record<string, string>) },
  body: req.body,
});

export function injectWire(app: Injector, w: WireRequest): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'POST',
    url: w.query ? `${CALLBACK_PATH}?${w.query}` : CALLBACK_PATH,
    headers: w.headers,
    payload: w.body,
  });
}

export async function count(db: Db, table: string): Promise<number> {
  return Number((await queryRows<{ n: number }>(db, sql.raw(`select count(*)::int as n from ${table}`)))[0]!.n);
}

export async function counts(db: Db, tables: readonly string[] = EFFECT_TABLES): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of tables) out[t] = await count(db, t);
  return out;
}

/** mulberry32: a tiny deterministic PRNG so every run generates the same mutations. */
export function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  return { next, int, pick };
}
export type Rng = ReturnType<typeof prng>;

/** Replaces one character with a different one from `alphabet` (case-insensitively different when asked). */
export function replaceChar(rng: Rng, s: string, alphabet: string, caseInsensitive = false): string {
  const i = rng.int(s.length);
  const same = (c: string) => (caseInsensitive ? c.toLowerCase() === s[i]!.toLowerCase() : c === s[i]);
  let c = rng.pick([...alphabet]);
  while (same(c)) c = rng.pick([...alphabet]);
  return s.slice(0, i) + c + s.slice(i + 1);
}

/** Flips one bit of one character; re-draws flips that change nothing the server sees. */
export function flipBit(rng: Rng, s: string, caseInsensitive = false): string {
  for (;;) {
    const i = rng.int(s.length);
    const code = s.charCodeAt(i) ^ (1 << rng.int(7));
    if (code === 0) continue;
    const c = String.fromCharCode(code);
    // Whitespace at the ends of a trimmed value is no change at all.
    if (/\s/.test(c) && (i === 0 || i === s.length - 1)) continue;
    if (caseInsensitive && c.toLowerCase() === s[i]!.toLowerCase()) continue;
    return s.slice(0, i) + c + s.slice(i + 1);
  }
}

/** `n` mutations: a random base, a mutation class drawn by weight; labels are `base:class`. */
export function generateMutations<B extends { name: string }, M extends { label: string }>(
  rng: Rng,
  bases: B[],
  classes: Array<[number, (rng: Rng, b: B) => M]>,
  n: number,
): M[] {
  const total = classes.reduce((s, [w]) => s + w, 0);
  const out: M[] = [];
  for (let i = 0; i < n; i++) {
    const b = rng.pick(bases);
    let r = rng.next() * total;
    let f = classes[0]![1];
    for (const [w, g] of classes) {
      if ((r -= w) < 0) {
        f = g;
        break;
      }
    }
    const m = f(rng, b);
    out.push({ ...m, label: `${b.name}:${m.label}` });
  }
  return out;
}

/**
 * Sends the mutations in chunks and collects every answer that is not the expected refusal (a 4xx, or one of
 * `expect`), with a summary of failures by mutation class and of the statuses seen.
 */
export async function sendMutations<M extends { label: string; expect?: number[] }>(
  mutations: M[],
  send: (m: M) => Promise<LightMyRequestResponse>,
  describeWire: (m: M) => string,
  chunkSize = 50,
): Promise<{ failures: string[]; byStatus: Map<number, number>; summary: string }> {
  const failures: string[] = [];
  const byStatus = new Map<number, number>();
  for (let i = 0; i < mutations.length; i += chunkSize) {
    const chunk = mutations.slice(i, i + chunkSize);
    const replies = await Promise.all(chunk.map(send));
    replies.forEach((res, j) => {
      const m = chunk[j]!;
      byStatus.set(res.statusCode, (byStatus.get(res.statusCode) ?? 0) + 1);
      if (res.statusCode < 400 || res.statusCode >= 500 || (m.expect !== undefined && !m.expect.includes(res.statusCode))) {
        failures.push(`#${i + j} ${m.label} → ${res.statusCode} (want ${m.expect?.join('/') ?? '4xx'}) ${res.body.slice(0, 120)} | ${describeWire(m)}`);
      }
    });
  }
  const grouped = new Map<string, number>();
  for (const f of failures) {
    const k = f.split(' ')[1]!.replace(/^\w+:/, '');
    grouped.set(k, (grouped.get(k) ?? 0) + 1);
  }
  const summary = `${JSON.stringify([...grouped])} ${failures.length} mutations were not refused as expected; statuses: ${JSON.stringify([...byStatus])}`;
  return { failures, byStatus, summary };
}

let msgSeq = 9_200_000_000_000_000_000n;
let phone = 13812345670;
/** A signed WeCom `/新客户` callback with a fresh MsgId and phone number. */
export const newCustomer = (name: string) => signedCallback(textXml('zhangsan', `/新客户 ${name} ${++phone} 宁波 阀门`, String(++msgSeq)));
/** Per-table row differences between two `counts()` snapshots. */
export const delta = (a: Record<string, number>, b: Record<string, number>) => Object.fromEntries(Object.keys(b).map((k) => [k, b[k]! - a[k]!]));
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A signed WeCom `/help` from the same sender, with a fresh MsgId. */
export const helpCallback = () => signedCallback(textXml('zhangsan', '/help', String(++msgSeq)));

/** A request as it goes on the wire, for the JSON-bodied platforms. Header values may be arrays (a header sent twice). */
export interface HeaderWire {
  headers: Record<string, string | string[]>;
  body: Buffer;
}

export function injectAt(app: Injector, path: string, w: HeaderWire): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'POST', url: path, headers: w.headers, payload: w.body });
}

/** Indices of the JSON text's structural characters (outside strings): `{ } [ ] : , "` (string delimiters included). */
export function structuralIndices(s: string): number[] {
  const out: number[] = [];
  let inString = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') {
        inString = false;
        out.push(i);
      }
    } else if (c === '"') {
      inString = true;
      out.push(i);
    } else if ('{}[]:,'.includes(c)) out.push(i);
  }
  return out;
}
