// The dingtalk error table: every row's examples classify to that row (first match wins), and become the AdapterError
// the outbox acts on (retryable unless the row says dead).
import { describe, expect, it } from 'vitest';
import { classify } from '../../../bots/error-rules.js';
import { DINGTALK_ERRORS } from '../../../bots/dingtalk/errors.js';

describe('dingtalk error classification table', () => {
  it.each(DINGTALK_ERRORS.map((r, i) => [r.when, r, i] as const))('row: %s', (_when, rule, i) => {
    expect(rule.examples.length).toBeGreaterThan(0);
    for (const f of rule.examples) {
      expect(classify(DINGTALK_ERRORS, f), JSON.stringify(f)).toBe(DINGTALK_ERRORS[i]);
      if (rule.action === 'refresh') expect(rule.as).toBe('TOKEN_EXPIRED');
    }
  });

  it('ends with a catch-all that is dead, and treats every 5xx as worth a retry', () => {
    expect(DINGTALK_ERRORS.at(-1)!.matches({ status: 418, code: 'whatever' })).toBe(true);
    expect(DINGTALK_ERRORS.at(-1)!.action).toBe('dead');
    for (const status of [500, 502, 503, 504]) expect(classify(DINGTALK_ERRORS, { status, code: 12345 }).action).toBe('retry');
  });
});

describe('DingTalk errors as the API answers them', async () => {
  const { dingtalkError } = await import('../../../bots/dingtalk/errors.js');
  it('reads the status and the body code together', () => {
    expect(dingtalkError(401, { code: 'InvalidAuthentication' })).toMatchObject({ code: 'TOKEN_EXPIRED', retryable: true });
    expect(dingtalkError(429, { code: 'Forbidden.AccessDenied.QpsLimitForApi' })).toMatchObject({ code: 'RATE_LIMITED', retryable: true, retryAfterMs: 5_000 });
    expect(dingtalkError(500, { code: 'InternalError', message: 'busy' })).toMatchObject({ code: 'NETWORK', retryable: true });
    expect(dingtalkError(400, { code: 'invalidParameter.msgKey' })).toMatchObject({ code: 'PLATFORM_REJECTED', retryable: false });
  });
});

describe('dingtalk oapi (media/upload) error table', async () => {
  const { DINGTALK_OAPI_ERRORS, oapiError } = await import('../../../bots/dingtalk/errors.js');
  it.each(DINGTALK_OAPI_ERRORS.map((r, i) => [r.when, r, i] as const))('row: %s', (_when, rule, i) => {
    expect(rule.examples.length).toBeGreaterThan(0);
    for (const f of rule.examples) expect(classify(DINGTALK_OAPI_ERRORS, f), JSON.stringify(f)).toBe(DINGTALK_OAPI_ERRORS[i]);
  });
  it('reads errcode: an expired token is refreshed, busy is retried, the rest is dead', () => {
    expect(oapiError(42001, 'access_token expired')).toMatchObject({ code: 'TOKEN_EXPIRED', retryable: true });
    expect(oapiError(-1, '系统繁忙')).toMatchObject({ code: 'RATE_LIMITED', retryable: true, retryAfterMs: 5_000 });
    expect(oapiError(40004, '不合法的媒体文件类型')).toMatchObject({ code: 'PLATFORM_REJECTED', retryable: false });
  });
});
