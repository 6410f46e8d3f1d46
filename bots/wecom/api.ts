// Outbound WeCom API calls: gettoken (doc 91039), message/send (90236), message/update_template_card (94888),
// user/get (90196) and group robots webhook/send (91770). Errors become AdapterError; an expired token is
// refreshed and the call retried once.
import type { WecomConfig } from './config.js';
import { httpError, networkError, wecomError } from './errors.js';
import { createTokenCache, withToken, type TokenStore } from '../token-cache.js';

const TIMEOUT_MS = 10_000;

interface WecomReply {
  errcode?: number;
  errmsg?: string;
  [k: string]: unknown;
}

async function call(url: string, init: RequestInit): Promise<WecomReply> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (err) {
    throw networkError(err);
  }
  if (!res.ok) throw httpError(res.status);
  const body = (await res.json().catch(() => ({ errcode: -2, errmsg: 'invalid JSON' }))) as WecomReply;
  if (body.errcode && body.errcode !== 0) throw wecomError(body.errcode, String(body.errmsg ?? ''));
  return body;
}

export function createWecomApi(config: WecomConfig, store: TokenStore, now?: () => number) {
  const base = config.apiBase;
  const tokens = createTokenCache({
    key: `wecom:${config.corpId}:${config.agentId}`,
    store,
    ...(now ? { now } : {}),
    async fetchToken() {
      const q = new URLSearchParams({ corpid: config.corpId, corpsecret: config.secret });
      const r = await call(`${base}/cgi-bin/gettoken?${q}`, { method: 'GET' });
      return { token: String(r.access_token), expiresInSec: Number(r.expires_in ?? 7200) };
    },
  });

  /** A cgi-bin call with the access token; on TOKEN_EXPIRED refresh once and retry, never loop. */
  async function cgi(path: string, body?: unknown): Promise<WecomReply> {
    const attempt = async (token: string) =>
      call(`${base}/cgi-bin/${path}${path.includes('?') ? '&' : '?'}access_token=${encodeURIComponent(token)}`, {
        method: body === undefined ? 'GET' : 'POST',
        ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
      });
    return withToken(tokens, attempt);
  }

  return {
    sendMessage: (body: Record<string, unknown>) => cgi('message/send', { agentid: config.agentId, ...body }),
    updateTemplateCard: (body: Record<string, unknown>) => cgi('message/update_template_card', { agentid: config.agentId, ...body }),
    getUser: (userid: string) => cgi(`user/get?userid=${encodeURIComponent(userid)}`),
    webhookSend: (key: string, body: unknown) =>
      call(`${base}/cgi-bin/webhook/send?key=${encodeURIComponent(key)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }),
  };
}

export type WecomApi = ReturnType<typeof createWecomApi>;
