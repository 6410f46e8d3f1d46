// DingTalk new-API errors (HTTP 4xx/5xx with {code, message, requestid}; ../shared/platforms.md §3.4) → AdapterError.
import { AdapterError } from '../adapter.js';

export function dingtalkError(status: number, body: { code?: unknown; message?: unknown }): AdapterError {
  const code = String(body.code ?? '');
  const text = `HTTP ${status} ${code} ${String(body.message ?? '')}`.trim().slice(0, 300);
  if (code === 'InvalidAuthentication' || (status === 401 && !code)) return new AdapterError('dingtalk', 'TOKEN_EXPIRED', text, true);
  if (status === 429 || /QpsLimit|too\.fast|Throttling|FlowControl/i.test(code)) return new AdapterError('dingtalk', 'RATE_LIMITED', text, true, 5_000);
  if (status >= 500) return new AdapterError('dingtalk', 'NETWORK', text, true);
  if (/Forbidden|AccessDenied|invalidClient|InvalidAppKey/i.test(code)) return new AdapterError('dingtalk', 'AUTH_FAILED', text, false);
  return new AdapterError('dingtalk', 'PLATFORM_REJECTED', text, false);
}

export function networkError(err: unknown): AdapterError {
  return new AdapterError('dingtalk', 'NETWORK', String((err as Error)?.message ?? err).slice(0, 300), true, undefined, { cause: err });
}
