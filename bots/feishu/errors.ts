// Feishu error codes (docs "通用错误码", im/v1 message errors; see ../shared/platforms.md §2.6) → AdapterError.
import { AdapterError } from '../adapter.js';

export const TOKEN_CODES = new Set([99991663, 99991661, 99991664]);
const RATE_CODES = new Set([230020, 99991400]);
/** Terminal: withdrawn (230011), too old to update (230031), bot not in chat (230002), user out of scope (230013). */
const GONE_CODES = new Set([230011, 230031, 230002, 230013]);

export function feishuError(code: number, msg: string): AdapterError {
  const text = `${code} ${msg}`.slice(0, 300);
  if (TOKEN_CODES.has(code)) return new AdapterError('feishu', 'TOKEN_EXPIRED', text, true);
  if (RATE_CODES.has(code)) return new AdapterError('feishu', 'RATE_LIMITED', text, true, 2_000);
  if (GONE_CODES.has(code)) return new AdapterError('feishu', 'PLATFORM_REJECTED', text, false);
  if (code === 10003 || code === 10014 || code === 99991665) return new AdapterError('feishu', 'AUTH_FAILED', text, false);
  return new AdapterError('feishu', 'PLATFORM_REJECTED', text, false);
}

/** An axios error thrown by the SDK: HTTP status and, if any, Feishu's {code,msg} body. */
export function fromThrown(err: unknown): AdapterError {
  if (err instanceof AdapterError) return err;
  const e = err as { response?: { status?: number; data?: { code?: number; msg?: string } }; message?: string; code?: string };
  const status = e.response?.status;
  const body = e.response?.data;
  if (body && typeof body.code === 'number' && body.code !== 0) return feishuError(body.code, String(body.msg ?? ''));
  if (status === 429) return new AdapterError('feishu', 'RATE_LIMITED', 'HTTP 429', true, 2_000);
  if (status) return new AdapterError('feishu', 'NETWORK', `HTTP ${status}`, status >= 500);
  // A token request the SDK refused (bad app secret) surfaces as a plain Error mentioning the code.
  if (/tenant_access_token/.test(String(e.message))) return new AdapterError('feishu', 'AUTH_FAILED', String(e.message).slice(0, 300), false);
  return new AdapterError('feishu', 'NETWORK', String(e.message ?? err).slice(0, 300), true, undefined, { cause: err });
}
