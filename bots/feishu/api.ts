// Outbound Feishu calls through the SDK Client (it fetches and caches the tenant_access_token; the cache is our
// database so instances share one token). im/v1 message create (with `uuid` for server-side dedup of resends)
// and patch (interactive cards). On an invalid-token code the cached token is dropped and the call retried once.
import * as lark from '@larksuiteoapi/node-sdk';
import type { TokenStore } from '../token-cache.js';
import type { FeishuConfig } from './config.js';
import { AdapterError } from '../adapter.js';
import { feishuError, fromThrown } from './errors.js';
import { sdkLogger, type SinkLogger } from './logger.js';

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

interface FeishuReply {
  code?: number;
  msg?: string;
  data?: Record<string, unknown>;
}

/** Every call is aborted after this long (the SDK's axios has no timeout of its own). */
export const FEISHU_TIMEOUT_MS = 10_000;

/** The SDK's own HTTP instance (its interceptors unwrap bodies) with a timeout on every request. */
function timedHttp(timeoutMs: number): lark.HttpInstance {
  const h = lark.defaultHttpInstance as unknown as lark.HttpInstance;
  const t = <O extends object | undefined>(o: O) => ({ timeout: timeoutMs, ...(o ?? {}) });
  return {
    request: (o) => h.request(t(o)),
    get: (url, o) => h.get(url, t(o)),
    delete: (url, o) => h.delete(url, t(o)),
    head: (url, o) => h.head(url, t(o)),
    options: (url, o) => h.options(url, t(o)),
    post: (url, d, o) => h.post(url, d, t(o)),
    put: (url, d, o) => h.put(url, d, t(o)),
    patch: (url, d, o) => h.patch(url, d, t(o)),
  };
}

export function createFeishuApi(config: FeishuConfig, store: TokenStore, log?: SinkLogger, timeoutMs = FEISHU_TIMEOUT_MS) {
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
    patchMessage: (messageId: string, card: unknown) =>
      call(() => client.im.v1.message.patch({ path: { message_id: messageId }, data: { content: JSON.stringify(card) } }) as Promise<FeishuReply>),
    getUser: (openId: string) =>
      call(() => client.contact.v3.user.get({ path: { user_id: openId }, params: { user_id_type: 'open_id' } }) as Promise<FeishuReply>),
  };
}

export type FeishuApi = ReturnType<typeof createFeishuApi>;
