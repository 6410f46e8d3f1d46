// The feishu error table: every row's examples classify to that row (first match wins), and become the AdapterError
// the outbox acts on (retryable unless the row says dead).
import { describe, expect, it } from 'vitest';
import { classify } from '../../../bots/error-rules.js';
import { FEISHU_ERRORS } from '../../../bots/feishu/errors.js';

describe('feishu error classification table', () => {
  it.each(FEISHU_ERRORS.map((r, i) => [r.when, r, i] as const))('row: %s', (_when, rule, i) => {
    expect(rule.examples.length).toBeGreaterThan(0);
    for (const f of rule.examples) {
      expect(classify(FEISHU_ERRORS, f), JSON.stringify(f)).toBe(FEISHU_ERRORS[i]);
      if (rule.action === 'refresh') expect(rule.as).toBe('TOKEN_EXPIRED');
    }
  });

  it('ends with a catch-all that is dead, and treats every 5xx as worth a retry', () => {
    expect(FEISHU_ERRORS.at(-1)!.matches({ status: 418, code: 'whatever' })).toBe(true);
    expect(FEISHU_ERRORS.at(-1)!.action).toBe('dead');
    for (const status of [500, 502, 503, 504]) expect(classify(FEISHU_ERRORS, { status, code: 12345 }).action).toBe('retry');
  });
});

describe('Feishu errors as the SDK throws them', async () => {
  const { fromThrown } = await import('../../../bots/feishu/errors.js');
  const axiosLike = (status: number, data?: unknown) => Object.assign(new Error(`Request failed with status code ${status}`), { response: { status, data } });
  it('retries an HTTP 500 that carries a JSON code (it used to be marked dead at once)', () => {
    expect(fromThrown(axiosLike(500, { code: 1500, msg: 'internal error' }))).toMatchObject({ code: 'NETWORK', retryable: true });
    expect(fromThrown(axiosLike(400, { code: 99991663, msg: 'Invalid access token' }))).toMatchObject({ code: 'TOKEN_EXPIRED', retryable: true });
    expect(fromThrown(axiosLike(429, { code: 99991400, msg: 'limit' }))).toMatchObject({ code: 'RATE_LIMITED', retryable: true, retryAfterMs: 2_000 });
    expect(fromThrown(axiosLike(400, { code: 230099, msg: 'card invalid' }))).toMatchObject({ code: 'PLATFORM_REJECTED', retryable: false });
    expect(fromThrown(Object.assign(new Error('timeout of 200ms exceeded'), { code: 'ECONNABORTED' }))).toMatchObject({ code: 'NETWORK', retryable: true });
  });
});
