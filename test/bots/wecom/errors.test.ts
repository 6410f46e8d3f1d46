// The wecom error table: every row's examples classify to that row (first match wins), and become the AdapterError
// the outbox acts on (retryable unless the row says dead).
import { describe, expect, it } from 'vitest';
import { classify } from '../../../bots/error-rules.js';
import { WECOM_ERRORS } from '../../../bots/wecom/errors.js';

describe('wecom error classification table', () => {
  it.each(WECOM_ERRORS.map((r, i) => [r.when, r, i] as const))('row: %s', (_when, rule, i) => {
    expect(rule.examples.length).toBeGreaterThan(0);
    for (const f of rule.examples) {
      expect(classify(WECOM_ERRORS, f), JSON.stringify(f)).toBe(WECOM_ERRORS[i]);
      if (rule.action === 'refresh') expect(rule.as).toBe('TOKEN_EXPIRED');
    }
  });

  it('ends with a catch-all that is dead, and treats every 5xx as worth a retry', () => {
    expect(WECOM_ERRORS.at(-1)!.matches({ status: 418, code: 'whatever' })).toBe(true);
    expect(WECOM_ERRORS.at(-1)!.action).toBe('dead');
    for (const status of [500, 502, 503, 504]) expect(classify(WECOM_ERRORS, { status, code: 12345 }).action).toBe('retry');
  });
});

describe('WeCom errors as the adapter raises them', async () => {
  const { wecomError, httpError, networkError } = await import('../../../bots/wecom/errors.js');
  it('maps codes, statuses and network failures to retry / refresh / dead', () => {
    expect(wecomError(42001, 'expired')).toMatchObject({ code: 'TOKEN_EXPIRED', retryable: true });
    expect(wecomError(45009, 'freq')).toMatchObject({ code: 'RATE_LIMITED', retryable: true, retryAfterMs: 60_000 });
    expect(wecomError(50001, 'system error', 502)).toMatchObject({ code: 'NETWORK', retryable: true });
    expect(wecomError(40001, 'bad secret')).toMatchObject({ code: 'AUTH_FAILED', retryable: false });
    expect(httpError(404)).toMatchObject({ retryable: false });
    expect(networkError(new Error('The operation was aborted due to timeout'))).toMatchObject({ code: 'NETWORK', retryable: true });
  });
});
