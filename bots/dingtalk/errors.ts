// DingTalk new-API failures (HTTP 4xx/5xx with {code, message, requestid}) →
// retry / refresh / dead. test/bots/dingtalk/errors.test.ts checks every row.
import { adapterError, type ErrorRule, type Failure } from '../error-rules.js';

const code = (f: Failure) => String(f.code ?? '');

export const DINGTALK_ERRORS: readonly ErrorRule[] = [
  { when: 'no answer (timeout, reset, DNS)', matches: (f) => f.status === 0, action: 'retry', as: 'NETWORK', examples: [{ status: 0 }] },
  { when: 'access token rejected (InvalidAuthentication, or HTTP 401 without a code)', matches: (f) => code(f) === 'InvalidAuthentication' || (f.status === 401 && !f.code), action: 'refresh', as: 'TOKEN_EXPIRED', examples: [{ status: 401, code: 'InvalidAuthentication' }, { status: 401 }] },
  // Before the Forbidden row: DingTalk's QPS code is Forbidden.AccessDenied.QpsLimitForApi.
  { when: 'rate limited (HTTP 429, QpsLimit, Throttling, FlowControl)', matches: (f) => f.status === 429 || /QpsLimit|too\.fast|Throttling|FlowControl/i.test(code(f)), action: 'retry', as: 'RATE_LIMITED', retryAfterMs: 5_000, examples: [{ status: 429 }, { status: 403, code: 'Forbidden.AccessDenied.QpsLimitForApi' }, { status: 400, code: 'Throttling.Api' }] },
  { when: 'HTTP 5xx, with or without a code', matches: (f) => f.status >= 500, action: 'retry', as: 'NETWORK', examples: [{ status: 500, code: 'InternalError' }, { status: 503 }] },
  { when: 'credentials or permission (Forbidden, AccessDenied, invalidClient, InvalidAppKey)', matches: (f) => /Forbidden|AccessDenied|invalidClient|InvalidAppKey/i.test(code(f)), action: 'dead', as: 'AUTH_FAILED', examples: [{ status: 403, code: 'Forbidden.AccessDenied.AccessTokenPermissionDenied' }, { status: 400, code: 'invalidClientIdOrSecret' }] },
  { when: 'any other 4xx (bad parameter, unknown robot or card…)', matches: () => true, action: 'dead', as: 'PLATFORM_REJECTED', examples: [{ status: 400, code: 'invalidParameter.msgKey' }, { status: 404 }] },
];

export function dingtalkError(status: number, body: { code?: unknown; message?: unknown }): ReturnType<typeof adapterError> {
  const c = body.code === undefined || body.code === null || body.code === '' ? undefined : String(body.code);
  return adapterError('dingtalk', DINGTALK_ERRORS, { status, code: c }, `HTTP ${status} ${c ?? ''} ${String(body.message ?? '')}`.trim());
}

export const networkError = (err: unknown) => adapterError('dingtalk', DINGTALK_ERRORS, { status: 0 }, String((err as Error)?.message ?? err), err);

/** The older oapi.dingtalk.com (used for media/upload only) answers HTTP 200 with {errcode, errmsg}. */
export const DINGTALK_OAPI_ERRORS: readonly ErrorRule[] = [
  { when: 'access token invalid or expired (40014, 42001)', matches: (f) => f.code === 40014 || f.code === 42001, action: 'refresh', as: 'TOKEN_EXPIRED', examples: [{ status: 200, code: 40014 }, { status: 200, code: 42001 }] },
  { when: 'system busy or over the call limit (-1, 90018, 90002)', matches: (f) => f.code === -1 || f.code === 90018 || f.code === 90002, action: 'retry', as: 'RATE_LIMITED', retryAfterMs: 5_000, examples: [{ status: 200, code: -1 }, { status: 200, code: 90018 }] },
  { when: 'any other errcode (file too large, bad type…)', matches: () => true, action: 'dead', as: 'PLATFORM_REJECTED', examples: [{ status: 200, code: 40004 }] },
];

export const oapiError = (errcode: number, errmsg: string) => adapterError('dingtalk', DINGTALK_OAPI_ERRORS, { status: 200, code: errcode }, `errcode ${errcode} ${errmsg}`.trim());
