// Outbound Feishu calls through the SDK Client (it fetches and caches the tenant_access_token; the cache is our
// database so instances share one token). im/v1 message create (with `uuid` for server-side dedup of resends)
// and patch (interactive cards). On an invalid-token code the cached token is dropped and the call retried once.
// Dashboard sign-in goes around the SDK (bots/http-call.ts, which has the deadline): the authorize page, the
// OAuth token endpoint and authen/v1/user_info, all with the user's own token — no tenant token involved.
import * as lark from '@larksuiteoapi/node-sdk';
import { z } from 'zod';
import { httpCall, type HttpInit } from '../http-call.js';
import type { TokenStore } from '../token-cache.js';
import type { FeishuConfig } from './config.js';
import { AdapterError, type SignInUser } from '../../src/adapter.js';
import { feishuError, fromThrown, sdkLogger, type SinkLogger } from './errors.js';

/** Our store's key for one of the SDK's cache entries (keys are Symbols plus a namespace, the app id). */
const storeKey = (key: string | symbol | Symbol, ns?: string) => `feishu:${ns ?? ''}:${String(key)}`;

/** The SDK's Cache over our token store (values expire at a ms timestamp). */
function storeCache(store: TokenStore): lark.Cache {
  return {
    async get(key, options) {
      const row = await store.get(storeKey(key, options?.namespace));
      return row && row.expiresAt.getTime() > Date.now() && row.token ? row.token : undefined;
    },
    async set(key, value, expire, options) {
      await store.put(storeKey(key, options?.namespace), String(value ?? ''), new Date(expire ?? Date.now() + 3600_000));
      return true;
    },
  };
}

/** Default deadline of one Feishu API call; the request is aborted when it passes (FeishuConfig.timeoutMs). */
const TIMEOUT_MS = 10_000;

/** The SDK's axios instance with a deadline on every request: a hung Feishu call is aborted, never awaited forever. */
function timedHttp(timeoutMs: number): lark.HttpInstance {
  // Typed loosely: the SDK's interceptor already unwraps axios responses to their data.
  const http = lark.defaultHttpInstance as unknown as lark.HttpInstance;
  const timed = <T>(opts: T) => ({ ...withNativeForm(opts), timeout: timeoutMs, signal: AbortSignal.timeout(timeoutMs) });
  return {
    request: (opts) => http.request(timed(opts) as never),
    get: (url, opts) => http.get(url, timed(opts ?? {}) as never),
    delete: (url, opts) => http.delete(url, timed(opts ?? {}) as never),
    head: (url, opts) => http.head(url, timed(opts ?? {}) as never),
    options: (url, opts) => http.options(url, timed(opts ?? {}) as never),
    post: (url, data, opts) => http.post(url, data, timed(opts ?? {}) as never),
    put: (url, data, opts) => http.put(url, data, timed(opts ?? {}) as never),
    patch: (url, data, opts) => http.patch(url, data, timed(opts ?? {}) as never),
  };
}

/**
 * Uploads (im/v1/files): the SDK passes a plain object and lets axios build the form, which sends a Buffer as a part
 * without a filename — a text field to a strict multipart parser. A native FormData with the file's name instead
 * (axios sends it as a stream with its boundary).
 */
function withNativeForm<T>(opts: T): T {
  const o = opts as { headers?: Record<string, unknown>; data?: unknown };
  const type = String(o?.headers?.['Content-Type'] ?? o?.headers?.['content-type'] ?? '');
  if (!type.startsWith('multipart/form-data') || !o.data || typeof o.data !== 'object' || o.data instanceof FormData) return opts;
  const data = o.data as Record<string, unknown>;
  const form = new FormData();
  for (const [k, v] of Object.entries(data)) {
    if (Buffer.isBuffer(v)) form.append(k, new Blob([v]), String(data.file_name ?? data.image_name ?? k));
    else if (v !== undefined && v !== null) form.append(k, String(v));
  }
  const headers = Object.fromEntries(Object.entries(o.headers ?? {}).filter(([k]) => k.toLowerCase() !== 'content-type'));
  return { ...o, headers, data: form } as T;
}

interface FeishuReply {
  code?: number;
  msg?: string;
  data?: Record<string, unknown>;
}

/** authen/v2/oauth/token (RFC 6749 style): `code` 0 and an access_token, or a code with `error_description`. */
const userTokenSchema = z.object({ code: z.number(), access_token: z.string().min(1).max(8192).optional(), error_description: z.string().optional(), msg: z.string().optional() });
/** authen/v1/user_info: the open_id our Feishu identities hold (events carry sender_id.open_id) and the tenant_key. */
const userInfoSchema = z.object({
  code: z.number(),
  msg: z.string().optional(),
  data: z.object({ open_id: z.string().regex(/^ou_[A-Za-z0-9_-]{1,80}$/), tenant_key: z.string().min(1).max(64) }).optional(),
});

/** One sign-in call: JSON in and out; a failure as AdapterError through the error table. */
async function signInCall(url: string, init: HttpInit, timeoutMs: number): Promise<unknown> {
  let res;
  try {
    res = await httpCall(url, init, timeoutMs);
  } catch (err) {
    throw fromThrown(err);
  }
  let body: unknown;
  try {
    body = JSON.parse(res.text);
  } catch {
    throw res.ok ? feishuError(-2, 'invalid JSON') : fromThrown({ response: { status: res.status } });
  }
  const b = body as { code?: unknown; msg?: unknown; error_description?: unknown };
  if (!res.ok || (typeof b.code === 'number' && b.code !== 0)) {
    throw typeof b.code === 'number' ? feishuError(b.code, String(b.error_description ?? b.msg ?? ''), res.ok ? 200 : res.status) : fromThrown({ response: { status: res.status } });
  }
  return body;
}

export function createFeishuApi(config: FeishuConfig, store: TokenStore, log?: SinkLogger, timeoutMs = config.timeoutMs ?? TIMEOUT_MS) {
  const client = new lark.Client({
    appId: config.appId,
    appSecret: config.appSecret,
    domain: config.domain,
    cache: storeCache(store),
    httpInstance: timedHttp(timeoutMs),
    ...sdkLogger(log),
  });

  async function call(fn: () => Promise<FeishuReply>): Promise<FeishuReply> {
    const once = async () => {
      let r: FeishuReply;
      try {
        r = await fn();
      } catch (err) {
        throw fromThrown(err);
      }
      if (r && typeof r.code === 'number' && r.code !== 0) throw feishuError(r.code, String(r.msg ?? ''));
      return r;
    };
    try {
      return await once();
    } catch (err) {
      if (!(err instanceof AdapterError) || err.code !== 'TOKEN_EXPIRED') throw err;
      // Drop the rejected token everywhere (the store is shared) and try once more with a fresh one.
      await store.put(storeKey(lark.CTenantAccessToken, config.appId), '', new Date(0));
      return once();
    }
  }

  return {
    client,
    createMessage: (receiveIdType: 'open_id' | 'chat_id', receiveId: string, msgType: string, content: unknown, uuid?: string) =>
      call(() =>
        client.im.v1.message.create({
          params: { receive_id_type: receiveIdType },
          data: { receive_id: receiveId, msg_type: msgType, content: JSON.stringify(content), ...(uuid ? { uuid } : {}) },
        }) as Promise<FeishuReply>,
      ),
    /** im/v1/files (≤ 30 MB): returns the file_key of a file message. */
    async uploadFile(fileName: string, bytes: Buffer): Promise<string> {
      const r = await call(async () => {
        const data = await client.im.v1.file.create({ data: { file_type: fileName.endsWith('.pdf') ? 'pdf' : 'stream', file_name: fileName, file: bytes } });
        // The SDK hands back the reply's `data` ({ file_key }) for uploads, and a full reply when the call failed.
        return (data && 'code' in (data as object) ? data : { code: 0, data }) as FeishuReply;
      });
      const key = (r.data as { file_key?: unknown } | undefined)?.file_key;
      if (typeof key !== 'string' || !key) throw new AdapterError('feishu', 'PLATFORM_REJECTED', '上传文件没有返回 file_key', false);
      return key;
    },
    patchMessage: (messageId: string, card: unknown) =>
      call(() => client.im.v1.message.patch({ path: { message_id: messageId }, data: { content: JSON.stringify(card) } }) as Promise<FeishuReply>),
    /**
     * The authorize page (获取授权码, accounts.feishu.cn/open-apis/authen/v1/authorize): inside Feishu it returns
     * without a consent screen to `redirectUri` with `code` (5 minutes, once) and our `state`.
     */
    signInPageUrl(redirectUri: string, state: string): string {
      const q = new URLSearchParams({ client_id: config.appId, redirect_uri: redirectUri, state });
      return `${config.accountsBase ?? config.domain}/open-apis/authen/v1/authorize?${q}`;
    },
    /**
     * Code → user_access_token (POST open-apis/authen/v2/oauth/token, grant_type authorization_code; the v1 oidc
     * endpoints are historic, and accounts.feishu.cn/oauth/v3/token takes the same fields) → authen/v1/user_info.
     */
    async userOfSignInCode(code: string, redirectUri: string): Promise<SignInUser | undefined> {
      const tokenBody = { grant_type: 'authorization_code', client_id: config.appId, client_secret: config.appSecret, code, redirect_uri: redirectUri };
      const token = userTokenSchema.safeParse(await signInCall(`${config.domain}/open-apis/authen/v2/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify(tokenBody) }, timeoutMs));
      if (!token.success || !token.data.access_token) throw feishuError(-2, 'oauth/token: unexpected answer');
      const info = userInfoSchema.safeParse(await signInCall(`${config.domain}/open-apis/authen/v1/user_info`, { method: 'GET', headers: { authorization: `Bearer ${token.data.access_token}` } }, timeoutMs));
      if (!info.success || !info.data.data) throw feishuError(-2, 'user_info: unexpected answer');
      return { tenantKey: info.data.data.tenant_key, platformUserId: info.data.data.open_id };
    },
    getUser: (openId: string) =>
      call(() => client.contact.v3.user.get({ path: { user_id: openId }, params: { user_id_type: 'open_id' } }) as Promise<FeishuReply>),
  };
}

export type FeishuApi = ReturnType<typeof createFeishuApi>;
