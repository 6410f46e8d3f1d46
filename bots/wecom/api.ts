// Outbound WeCom API calls: gettoken (doc 91039), message/send (90236), message/update_template_card (94888),
// user/get (90196), media/upload (90253: a temporary file ≤ 20 MB or image ≤ 10 MB, valid 3 days), group
// robots webhook/send (an image inline as base64 + md5) and webhook/upload_media (91770). Errors become AdapterError; an expired token is
// refreshed and the call retried once.
import type { WecomConfig } from './config.js';
import { httpError, networkError, wecomError } from './errors.js';
import { httpCall, type HttpAnswer, type HttpInit } from '../http-call.js';
import { createTokenCache, withToken, type TokenStore } from '../token-cache.js';

/** Every call is aborted after this long (overridable per adapter for tests). */
export const WECOM_TIMEOUT_MS = 10_000;

interface WecomReply {
  errcode?: number;
  errmsg?: string;
  [k: string]: unknown;
}

async function callOnce(url: string, init: HttpInit, timeoutMs = WECOM_TIMEOUT_MS): Promise<WecomReply> {
  let res: HttpAnswer;
  let text: string;
  try {
    res = await httpCall(url, init, timeoutMs);
    text = res.text;
  } catch (err) {
    throw networkError(err);
  }
  let body: WecomReply | undefined;
  try {
    body = JSON.parse(text) as WecomReply;
  } catch {
    body = undefined;
  }
  if (!res.ok) throw typeof body?.errcode === 'number' ? wecomError(body.errcode, String(body.errmsg ?? ''), res.status) : httpError(res.status);
  if (!body) throw wecomError(-2, 'invalid JSON');
  if (body.errcode && body.errcode !== 0) throw wecomError(body.errcode, String(body.errmsg ?? ''));
  return body;
}

export function createWecomApi(config: WecomConfig, store: TokenStore, now?: () => number, timeoutMs = WECOM_TIMEOUT_MS) {
  const base = config.apiBase;
  const call = (url: string, init: HttpInit) => callOnce(url, init, timeoutMs);
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
        ...(body === undefined ? {} : body instanceof FormData ? { body } : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
      });
    return withToken(tokens, attempt);
  }

  return {
    sendMessage: (body: Record<string, unknown>) => cgi('message/send', { agentid: config.agentId, ...body }),
    updateTemplateCard: (body: Record<string, unknown>) => cgi('message/update_template_card', { agentid: config.agentId, ...body }),
    getUser: (userid: string) => cgi(`user/get?userid=${encodeURIComponent(userid)}`),
    /** Uploads a temporary file or image (field `media`, multipart) and returns its media_id. */
    async uploadFile(fileName: string, bytes: Buffer, mimeType: string, type: 'file' | 'image' = 'file'): Promise<string> {
      const r = await cgi(`media/upload?type=${type}`, mediaForm(fileName, bytes, mimeType));
      return String(r.media_id);
    },
    async webhookUploadFile(key: string, fileName: string, bytes: Buffer, mimeType: string): Promise<string> {
      const r = await call(`${base}/cgi-bin/webhook/upload_media?key=${encodeURIComponent(key)}&type=file`, { method: 'POST', body: mediaForm(fileName, bytes, mimeType) });
      return String(r.media_id);
    },
    webhookSend: (key: string, body: unknown) =>
      call(`${base}/cgi-bin/webhook/send?key=${encodeURIComponent(key)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }),
  };
}

export type WecomApi = ReturnType<typeof createWecomApi>;

function mediaForm(fileName: string, bytes: Buffer, mimeType: string): FormData {
  const form = new FormData();
  form.append('media', new Blob([bytes], { type: mimeType }), fileName);
  return form;
}
