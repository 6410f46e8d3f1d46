// Set-up shared by the Feishu and DingTalk fault tests (the WeCom ones use ./harness.ts): the real app (buildApp +
// the platform adapter + real dispatch) on the test database, and a raw `inject` that sends any headers and body
// bytes to a bot route.
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { ChatAdapter, RawRequest } from '../../src/adapter.js';
import { createDingtalkAdapter } from '../../bots/dingtalk/index.js';
import { createFeishuAdapter } from '../../bots/feishu/index.js';
import type { Db } from '../../src/db/client.js';
import { createDbTokenStore } from '../../src/db/token-store.js';
import { createDispatch } from '../../src/inbound/dispatch.js';
import { buildApp } from '../../src/server/app.js';
import { TEST_DINGTALK } from '../bots/dingtalk/sign.js';
import { TEST_FEISHU } from '../bots/feishu/sign.js';

export const FEISHU_PATH = '/bots/feishu/events';
export const DINGTALK_PATH = '/bots/dingtalk/callback';

export const feishuAdapter = (db: Db, domain = TEST_FEISHU.domain): ChatAdapter =>
  createFeishuAdapter({ ...TEST_FEISHU, domain }, { tokenStore: createDbTokenStore(db) });

export const dingtalkAdapter = (db: Db, apiBase = TEST_DINGTALK.apiBase): ChatAdapter =>
  createDingtalkAdapter({ ...TEST_DINGTALK, apiBase }, { tokenStore: createDbTokenStore(db) });

export async function buildAppWith(db: Db, adapters: ChatAdapter[]): Promise<FastifyInstance> {
  const dispatch = createDispatch({ db, defaultTimeZone: 'Asia/Shanghai' });
  return buildApp({ db, adapters, dispatch, logLevel: 'silent' });
}

/** A request as it goes on the wire. Header values may be arrays (a header sent twice). */
export interface HeaderWire {
  headers: Record<string, string | string[]>;
  body: Buffer;
}

export const headerWire = (req: RawRequest): HeaderWire => ({ headers: { ...(req.headers as Record<string, string>) }, body: req.body });

export function injectAt(app: FastifyInstance, path: string, w: HeaderWire): Promise<LightMyRequestResponse> {
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
