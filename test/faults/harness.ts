// Shared set-up for the WeCom callback fault tests: the real app (buildApp + WeCom adapter + real dispatch) on a
// fresh test database, a raw `inject` that lets a test send any query string / headers / body bytes, and row counts.
import { sql } from 'drizzle-orm';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { RawRequest } from '../../bots/adapter.js';
import { createWecomAdapter } from '../../bots/wecom/index.js';
import type { Db } from '../../src/db/client.js';
import { queryRows } from '../../src/db/rows.js';
import { createDbTokenStore } from '../../src/db/token-store.js';
import { createDispatch } from '../../src/inbound/dispatch.js';
import { buildApp } from '../../src/server/app.js';
import { TEST_WECOM } from '../bots/wecom/sign.js';

export const CALLBACK_PATH = '/bots/wecom/callback';

/** Tables whose row counts show whether a request had an effect. */
export const EFFECT_TABLES = ['customers', 'inbound_events', 'outbox', 'deals', 'follow_ups', 'approval_steps', 'tenants', 'users'] as const;

export async function buildWecomApp(db: Db, apiBase = TEST_WECOM.apiBase): Promise<FastifyInstance> {
  const config = { ...TEST_WECOM, apiBase };
  const adapter = createWecomAdapter(config, { tokenStore: createDbTokenStore(db) });
  const dispatch = createDispatch({ db, defaultTimeZone: 'Asia/Shanghai' });
  return buildApp({ db, adapters: [adapter], dispatch, logLevel: 'silent' });
}

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

export function injectWire(app: FastifyInstance, w: WireRequest): Promise<LightMyRequestResponse> {
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
