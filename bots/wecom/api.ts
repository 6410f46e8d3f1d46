// Outbound WeCom API calls: gettoken (doc 91039), message/send (90236), message/update_template_card (94888),
// user/get (90196), media/upload (90253: a temporary file ≤ 20 MB or image ≤ 10 MB, valid 3 days), group
// robots webhook/send (an image inline as base64 + md5) and webhook/upload_media (91770), and dashboard sign-in:
// the OAuth2 authorize page (91022) and auth/getuserinfo (91023). Errors become AdapterError; an expired token is
// refreshed and the call retried once.
import { z } from 'zod';
import type { SignInUser } from '../../src/adapter.js';
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

/**
 * auth/getuserinfo (doc 91023): a member's `userid` (plus a user_ticket we do not need), or for someone outside the
 * corp an `openid` (and maybe external_userid) — not a member, so no sign-in.
 */
const userInfoSchema = z.object({ userid: z.string().min(1).max(64).optional(), openid: z.string().max(128).optional() });

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
    /**
     * The OAuth2 authorize page (doc 91022): inside WeCom it returns at once to `redirectUri` with `code` and our
     * `state`. snsapi_base is silent (no consent screen) and gives the userid, all we need.
     */
    signInPageUrl(redirectUri: string, state: string): string {
      const q = new URLSearchParams({ appid: config.corpId, redirect_uri: redirectUri, response_type: 'code', scope: 'snsapi_base', state, agentid: String(config.agentId) });
      return `${config.oauthBase ?? 'https://open.weixin.qq.com'}/connect/oauth2/authorize?${q}#wechat_redirect`;
    },
    /** The member behind a sign-in code (valid 5 minutes, once); undefined for a non-member's openid. */
    async userOfSignInCode(code: string): Promise<SignInUser | undefined> {
      const r = userInfoSchema.safeParse(await cgi(`auth/getuserinfo?code=${encodeURIComponent(code)}`));
      if (!r.success) throw wecomError(-2, 'auth/getuserinfo: unexpected answer');
      return r.data.userid ? { tenantKey: config.corpId, platformUserId: r.data.userid } : undefined;
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
