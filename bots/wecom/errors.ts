// One place that turns WeCom error codes (doc 90313 全局错误码), HTTP statuses and network failures into AdapterError.
import { AdapterError } from '../adapter.js';

const TOKEN_CODES = new Set([40014, 42001, 41001]);
const RATE_CODES = new Set([45009, 45033, -1]);
const AUTH_CODES = new Set([40001, 40013, 40056, 60020]);

export function wecomError(errcode: number, errmsg: string): AdapterError {
  const msg = `${errcode} ${errmsg}`.slice(0, 300);
  if (TOKEN_CODES.has(errcode)) return new AdapterError('wecom', 'TOKEN_EXPIRED', msg, true);
  // Blocked for 60 s on the per-minute limit (doc 90312); -1 is "system busy".
  if (RATE_CODES.has(errcode)) return new AdapterError('wecom', 'RATE_LIMITED', msg, true, 60_000);
  if (AUTH_CODES.has(errcode)) return new AdapterError('wecom', 'AUTH_FAILED', msg, false);
  return new AdapterError('wecom', 'PLATFORM_REJECTED', msg, false);
}

export function httpError(status: number): AdapterError {
  if (status === 429) return new AdapterError('wecom', 'RATE_LIMITED', `HTTP ${status}`, true, 60_000);
  return new AdapterError('wecom', 'NETWORK', `HTTP ${status}`, status >= 500);
}

export function networkError(err: unknown): AdapterError {
  return new AdapterError('wecom', 'NETWORK', String((err as Error)?.message ?? err).slice(0, 300), true, undefined, { cause: err });
}
