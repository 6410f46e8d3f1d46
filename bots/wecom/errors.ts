// WeCom failures → retry / refresh / dead (doc 90313 全局错误码, doc 90312 频率限制). `call` in api.ts feeds every
// HTTP status, errcode and network failure through this table; test/bots/wecom/errors.test.ts checks every row.
import { adapterError, type ErrorRule, type Failure } from '../error-rules.js';

const TOKEN_CODES = new Set([40014, 42001, 41001]);
const RATE_CODES = new Set([45009, 45033, -1]);
const AUTH_CODES = new Set([40001, 40013, 40056, 60020]);
const code = (f: Failure) => Number(f.code ?? 0);

export const WECOM_ERRORS: readonly ErrorRule[] = [
  { when: 'no answer (timeout, reset, DNS)', matches: (f) => f.status === 0, action: 'retry', as: 'NETWORK', examples: [{ status: 0 }] },
  { when: 'access token invalid, expired or missing (40014, 42001, 41001)', matches: (f) => TOKEN_CODES.has(code(f)), action: 'refresh', as: 'TOKEN_EXPIRED', examples: [{ status: 200, code: 40014 }, { status: 200, code: 42001 }, { status: 200, code: 41001 }] },
  // Blocked for 60 s on the per-minute limit (doc 90312); -1 is "system busy".
  { when: 'rate limited or busy (45009, 45033, -1, HTTP 429)', matches: (f) => RATE_CODES.has(code(f)) || f.status === 429, action: 'retry', as: 'RATE_LIMITED', retryAfterMs: 60_000, examples: [{ status: 200, code: 45009 }, { status: 200, code: 45033 }, { status: 200, code: -1 }, { status: 429 }] },
  { when: 'HTTP 5xx, with or without an errcode', matches: (f) => f.status >= 500, action: 'retry', as: 'NETWORK', examples: [{ status: 500 }, { status: 503 }, { status: 502, code: 40058 }] },
  { when: 'wrong secret, corp id, agent id or server IP not allowed (40001, 40013, 40056, 60020)', matches: (f) => AUTH_CODES.has(code(f)), action: 'dead', as: 'AUTH_FAILED', examples: [{ status: 200, code: 40001 }, { status: 200, code: 40013 }, { status: 200, code: 40056 }, { status: 200, code: 60020 }] },
  { when: 'HTTP 4xx without an errcode', matches: (f) => f.status >= 400 && !f.code, action: 'dead', as: 'NETWORK', examples: [{ status: 404 }, { status: 403 }] },
  { when: 'any other errcode (bad field, recipient invalid, content too long…)', matches: () => true, action: 'dead', as: 'PLATFORM_REJECTED', examples: [{ status: 200, code: 82001 }, { status: 200, code: 45002 }, { status: 200, code: 40058 }] },
];

export const wecomError = (errcode: number, errmsg: string, status = 200) => adapterError('wecom', WECOM_ERRORS, { status, code: errcode }, `${errcode} ${errmsg}`);

export const httpError = (status: number) => adapterError('wecom', WECOM_ERRORS, { status }, `HTTP ${status}`);

export const networkError = (err: unknown) => adapterError('wecom', WECOM_ERRORS, { status: 0 }, String((err as Error)?.message ?? err), err);
