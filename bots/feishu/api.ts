// Outbound Feishu calls through the SDK Client (it fetches and caches the tenant_access_token; the cache is our
// database so instances share one token). im/v1 message create (with `uuid` for server-side dedup of resends)
// and patch (interactive cards). On an invalid-token code the cached token is dropped and the call retried once.
import * as lark from '@larksuiteoapi/node-sdk';
import type { TokenStore } from '../token-cache.js';
import type { FeishuConfig } from './config.js';
import { AdapterError } from '../../src/adapter.js';
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
    getUser: (openId: string) =>
      call(() => client.contact.v3.user.get({ path: { user_id: openId }, params: { user_id_type: 'open_id' } }) as Promise<FeishuReply>),
  };
}

export type FeishuApi = ReturnType<typeof createFeishuApi>;
