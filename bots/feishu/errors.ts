// Feishu failures (docs "通用错误码", im/v1 message errors) → retry / refresh / dead.
// The SDK throws axios errors for non-2xx answers and returns {code,msg} bodies for 200s; both come through here.
// test/bots/feishu/errors.test.ts checks every row.
// Also how the SDK's own failure logs reach ours: it logs failed requests at error level with the whole axios
// config (headers with the bearer token, the app secret in token-request bodies), so sdkLogger keeps only short
// text and masks anything secret-looking.
import * as lark from '@larksuiteoapi/node-sdk';
import { AdapterError } from '../../src/adapter.js';
import { adapterError, type ErrorRule, type Failure } from '../error-rules.js';

export const TOKEN_CODES = new Set([99991663, 99991661, 99991664]);
const RATE_CODES = new Set([230020, 99991400]);
/** Terminal: withdrawn (230011), too old to update (230031), bot not in chat (230002), user out of scope (230013). */
const GONE_CODES = new Set([230011, 230031, 230002, 230013]);
const AUTH_CODES = new Set([10003, 10014, 99991665]);
const code = (f: Failure) => Number(f.code ?? 0);

export const FEISHU_ERRORS: readonly ErrorRule[] = [
  { when: 'no answer (timeout, reset, DNS)', matches: (f) => f.status === 0 && !f.code, action: 'retry', as: 'NETWORK', examples: [{ status: 0 }] },
  { when: 'tenant token invalid or missing (99991663, 99991661, 99991664)', matches: (f) => TOKEN_CODES.has(code(f)), action: 'refresh', as: 'TOKEN_EXPIRED', examples: [{ status: 400, code: 99991663 }, { status: 400, code: 99991661 }, { status: 200, code: 99991664 }] },
  { when: 'rate limited (230020, 99991400, HTTP 429)', matches: (f) => RATE_CODES.has(code(f)) || f.status === 429, action: 'retry', as: 'RATE_LIMITED', retryAfterMs: 2_000, examples: [{ status: 429, code: 99991400 }, { status: 400, code: 230020 }, { status: 429 }] },
  // A 5xx is the server's trouble even when its body carries a code (it used to be marked dead at once).
  { when: 'HTTP 5xx, with or without a JSON code', matches: (f) => f.status >= 500, action: 'retry', as: 'NETWORK', examples: [{ status: 500 }, { status: 500, code: 1500 }, { status: 503, code: 230099 }] },
  { when: 'message withdrawn, too old, bot not in chat, user out of scope', matches: (f) => GONE_CODES.has(code(f)), action: 'dead', as: 'PLATFORM_REJECTED', examples: [{ status: 400, code: 230011 }, { status: 400, code: 230031 }, { status: 400, code: 230002 }, { status: 400, code: 230013 }] },
  { when: 'app credentials or permissions (10003, 10014, 99991665)', matches: (f) => AUTH_CODES.has(code(f)), action: 'dead', as: 'AUTH_FAILED', examples: [{ status: 200, code: 10014 }, { status: 400, code: 10003 }, { status: 400, code: 99991665 }] },
  { when: 'HTTP 4xx without a code', matches: (f) => f.status >= 400 && !f.code, action: 'dead', as: 'NETWORK', examples: [{ status: 404 }, { status: 413 }] },
  { when: 'any other code (invalid card, bad receive id…)', matches: () => true, action: 'dead', as: 'PLATFORM_REJECTED', examples: [{ status: 400, code: 230099 }, { status: 200, code: 230001 }] },
];

export const feishuError = (code: number, msg: string, status = 200) => adapterError('feishu', FEISHU_ERRORS, { status, code }, `${code} ${msg}`);

/** An axios error thrown by the SDK: HTTP status and, if any, Feishu's {code,msg} body. */
export function fromThrown(err: unknown): AdapterError {
  if (err instanceof AdapterError) return err;
  const e = err as { response?: { status?: number; data?: { code?: number; msg?: string } }; message?: string; code?: string };
  const status = e.response?.status ?? 0;
  const body = e.response?.data;
  if (body && typeof body.code === 'number' && body.code !== 0) return feishuError(body.code, String(body.msg ?? ''), status || 200);
  if (status) return adapterError('feishu', FEISHU_ERRORS, { status }, `HTTP ${status}`);
  // A token request the SDK refused (bad app secret) surfaces as a plain Error mentioning the code.
  if (/tenant_access_token/.test(String(e.message))) return new AdapterError('feishu', 'AUTH_FAILED', String(e.message).slice(0, 300), false);
  return adapterError('feishu', FEISHU_ERRORS, { status: 0 }, String(e.message ?? err), err);
}

const SECRET = /(t-[A-Za-z0-9._-]{10,}|Bearer\s+\S+|"?app_secret"?\s*[:=]\s*"?[^",\s}]+)/g;

function summarise(args: unknown[]): string {
  return args
    .map((a) => (a instanceof Error ? a.message : typeof a === 'string' ? a : typeof a === 'object' && a && 'message' in a ? String((a as { message: unknown }).message) : ''))
    .filter(Boolean)
    .join(' ')
    .replace(SECRET, '[redacted]')
    .slice(0, 300);
}

export interface SinkLogger {
  info?(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export function sdkLogger(sink?: SinkLogger) {
  return {
    loggerLevel: lark.LoggerLevel.warn,
    logger: {
      error: (...a: unknown[]) => sink?.error({ platform: 'feishu' }, summarise(a)),
      warn: (...a: unknown[]) => sink?.warn({ platform: 'feishu' }, summarise(a)),
      info: () => {},
      debug: () => {},
      trace: () => {},
    },
  };
}
