// Outbound DingTalk OpenAPI (api.dingtalk.com): access token (oauth2/accessToken, cached in the database and
// refreshed on InvalidAuthentication), robot one-to-one and group messages, and template cards
// (createAndDeliver / update by outTrackId), and files and images uploaded through oapi.dingtalk.com media/upload (the
// same app token; errors as errcode) for sampleFile and sampleImageMsg messages. The per-message sessionWebhook is never used: it expires.
// Dashboard sign-in: the OAuth2 page (login.dingtalk.com), the user's token, their unionId, and the userid our
// identities hold (chat messages carry senderStaffId, the userid) from oapi topapi/user/getbyunionid.
import { z } from 'zod';
import { AdapterError, type SignInUser } from '../../src/adapter.js';
import { httpCall, type HttpAnswer, type HttpInit } from '../http-call.js';
import { createTokenCache, withToken, type TokenStore } from '../token-cache.js';
import type { DingtalkConfig } from './config.js';
import { dingtalkError, networkError, oapiError } from './errors.js';

/** Every call is aborted after this long (overridable per adapter for tests). */
export const DINGTALK_TIMEOUT_MS = 10_000;

async function requestOnce(url: string, init: HttpInit, timeoutMs: number): Promise<Record<string, any>> {
  let res: HttpAnswer;
  let text: string;
  try {
    res = await httpCall(url, init, timeoutMs);
    text = res.text;
  } catch (err) {
    throw networkError(err);
  }
  let body: Record<string, any> = {};
  try {
    body = JSON.parse(text) as Record<string, any>;
  } catch {
    /* a proxy's HTML error page: classified by status alone */
  }
  if (!res.ok) throw dingtalkError(res.status, body);
  return body;
}

/** v1.0/oauth2/userAccessToken: with scope `openid corpid`, the organisation the user chose (our tenant key). */
const userTokenSchema = z.object({ accessToken: z.string().min(1).max(4096), corpId: z.string().min(1).max(128).optional() });
/** v1.0/contact/users/me with the user's token. */
const meSchema = z.object({ unionId: z.string().min(1).max(128) });
/** topapi/user/getbyunionid: contact_type 0 is a member of the organisation, 1 an external contact. */
const byUnionIdSchema = z.object({ errcode: z.number(), errmsg: z.string().optional(), result: z.object({ userid: z.string().min(1).max(64), contact_type: z.number().optional() }).optional() });
/** getbyunionid: "no such user" in this organisation (60121: from memory and what our fake answers — unverified
 * against the live API; another code for it is refused too, only with the "try later" page). */
const NOT_A_MEMBER = 60121;

export function createDingtalkApi(config: DingtalkConfig, store: TokenStore, now?: () => number, timeoutMs = DINGTALK_TIMEOUT_MS) {
  const base = config.apiBase;
  const request = (url: string, init: HttpInit) => requestOnce(url, init, timeoutMs);
  const tokens = createTokenCache({
    key: `dingtalk:${config.clientId}`,
    store,
    ...(now ? { now } : {}),
    async fetchToken() {
      const r = await request(`${base}/v1.0/oauth2/accessToken`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ appKey: config.clientId, appSecret: config.clientSecret }),
      }).catch((err: unknown) => {
        // Wrong credentials are a configuration problem, not something a retry fixes.
        if (err instanceof AdapterError && !err.retryable) throw new AdapterError('dingtalk', 'AUTH_FAILED', err.message, false);
        throw err;
      });
      return { token: String(r.accessToken), expiresInSec: Number(r.expireIn ?? 7200) };
    },
  });

  async function call(method: 'POST' | 'PUT', path: string, body: unknown) {
    const attempt = (token: string) =>
      request(`${base}${path}`, {
        method,
        headers: { 'content-type': 'application/json', 'x-acs-dingtalk-access-token': token },
        body: JSON.stringify(body),
      });
    return withToken(tokens, attempt);
  }

  return {
    async sendToUser(userId: string, msgKey: string, msgParam: Record<string, string>) {
      const r = await call('POST', '/v1.0/robot/oToMessages/batchSend', { robotCode: config.robotCode, userIds: [userId], msgKey, msgParam: JSON.stringify(msgParam) });
      if ((r.flowControlledStaffIdList ?? []).length > 0) throw new AdapterError('dingtalk', 'RATE_LIMITED', '接收人被限流 (flowControlledStaffIdList)', true, 10_000);
      if ((r.invalidStaffIdList ?? []).length > 0) throw new AdapterError('dingtalk', 'PLATFORM_REJECTED', `无效的用户 ${userId} (invalidStaffIdList)`, false);
      return { messageId: String(r.processQueryKey ?? '') };
    },
    async sendToGroup(openConversationId: string, msgKey: string, msgParam: Record<string, string>) {
      const r = await call('POST', '/v1.0/robot/groupMessages/send', { robotCode: config.robotCode, openConversationId, msgKey, msgParam: JSON.stringify(msgParam) });
      return { messageId: String(r.processQueryKey ?? '') };
    },
    /** `stableId`: the outTrackId belongs to one outbox row, so "already exists" means an earlier attempt arrived. */
    async createCard(target: { kind: 'user' | 'group'; id: string }, outTrackId: string, cardParamMap: Record<string, string>, stableId = false) {
      const space =
        target.kind === 'user'
          ? { openSpaceId: `dtv1.card//IM_ROBOT.${target.id}`, imRobotOpenSpaceModel: { supportForward: false }, imRobotOpenDeliverModel: { spaceType: 'IM_ROBOT' } }
          : { openSpaceId: `dtv1.card//IM_GROUP.${target.id}`, imGroupOpenSpaceModel: { supportForward: true }, imGroupOpenDeliverModel: { robotCode: config.robotCode } };
      try {
        await call('POST', '/v1.0/card/instances/createAndDeliver', {
          cardTemplateId: config.cardTemplateId,
          outTrackId,
          callbackType: 'STREAM',
          cardData: { cardParamMap },
          userIdType: 1,
          ...space,
        });
      } catch (err) {
        // The duplicate-outTrackId code is the one our fake answers (unverified against the live API).
        if (stableId && err instanceof AdapterError && /invalidParameter\.outTrackId/.test(err.message)) return;
        throw err;
      }
    },
    /** Uploads a file (≤ 20 MB) or an image and returns its media id, for a sampleFile or sampleImageMsg message. */
    async uploadFile(fileName: string, bytes: Buffer, mimeType: string, type: 'file' | 'image' = 'file'): Promise<string> {
      const attempt = async (token: string) => {
        const form = new FormData();
        form.append('type', type);
        form.append('media', new Blob([bytes], { type: mimeType }), fileName);
        const r = await request(`${config.oapiBase}/media/upload?access_token=${encodeURIComponent(token)}`, { method: 'POST', body: form });
        if (typeof r.errcode === 'number' && r.errcode !== 0) throw oapiError(r.errcode, String(r.errmsg ?? ''));
        return String(r.media_id);
      };
      return withToken(tokens, attempt);
    },
    /**
     * The OAuth2 page (获取登录用户的访问凭证): scope `openid corpid` makes the user's organisation come back with
     * their token; inside DingTalk the page signs the user in without a password. Returns with `authCode` + `state`.
     */
    signInPageUrl(redirectUri: string, state: string): string {
      const q = new URLSearchParams({ redirect_uri: redirectUri, response_type: 'code', client_id: config.clientId, scope: 'openid corpid', state, prompt: 'consent' });
      return `${config.loginBase ?? 'https://login.dingtalk.com'}/oauth2/auth?${q}`;
    },
    /** authCode → the user's token (+ corpId) → unionId → userid; undefined for someone outside the organisation. */
    async userOfSignInCode(code: string): Promise<SignInUser | undefined> {
      const json = { 'content-type': 'application/json' };
      const token = userTokenSchema.safeParse(
        await request(`${base}/v1.0/oauth2/userAccessToken`, { method: 'POST', headers: json, body: JSON.stringify({ clientId: config.clientId, clientSecret: config.clientSecret, code, grantType: 'authorization_code' }) }),
      );
      if (!token.success) throw new AdapterError('dingtalk', 'PLATFORM_REJECTED', 'userAccessToken: unexpected answer', false);
      if (!token.data.corpId) return undefined;
      const me = meSchema.safeParse(await request(`${base}/v1.0/contact/users/me`, { method: 'GET', headers: { 'x-acs-dingtalk-access-token': token.data.accessToken } }));
      if (!me.success) throw new AdapterError('dingtalk', 'PLATFORM_REJECTED', 'contact/users/me: unexpected answer', false);
      const found = await withToken(tokens, async (appToken) => {
        const r = byUnionIdSchema.safeParse(
          await request(`${config.oapiBase}/topapi/user/getbyunionid?access_token=${encodeURIComponent(appToken)}`, { method: 'POST', headers: json, body: JSON.stringify({ unionid: me.data.unionId }) }),
        );
        if (!r.success) throw new AdapterError('dingtalk', 'PLATFORM_REJECTED', 'getbyunionid: unexpected answer', false);
        if (r.data.errcode === NOT_A_MEMBER) return undefined;
        if (r.data.errcode !== 0) throw oapiError(r.data.errcode, r.data.errmsg ?? '');
        return r.data.result;
      });
      if (!found || (found.contact_type ?? 0) !== 0) return undefined;
      return { tenantKey: token.data.corpId, platformUserId: found.userid };
    },
    async updateCard(outTrackId: string, cardParamMap: Record<string, string>) {
      await call('PUT', '/v1.0/card/instances', {
        outTrackId,
        cardData: { cardParamMap },
        cardUpdateOptions: { updateCardDataByKey: true },
        userIdType: 1,
      });
    },
  };
}

export type DingtalkApi = ReturnType<typeof createDingtalkApi>;
