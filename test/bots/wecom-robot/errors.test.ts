// The robot's error table: every row's examples classify to that row (first match wins), and what the SDK rejects
// with (a receipt frame with an errcode, or an Error without one) becomes the AdapterError the outbox acts on.
import { describe, expect, it } from 'vitest';
import { classify } from '../../../bots/error-rules.js';
import { WECOM_ROBOT_ERRORS, robotError } from '../../../bots/wecom-robot/errors.js';

describe('wecom robot error classification table', () => {
  it.each(WECOM_ROBOT_ERRORS.map((r, i) => [r.when, r, i] as const))('row: %s', (_when, rule, i) => {
    expect(rule.examples.length).toBeGreaterThan(0);
    for (const f of rule.examples) expect(classify(WECOM_ROBOT_ERRORS, f), JSON.stringify(f)).toBe(WECOM_ROBOT_ERRORS[i]);
  });

  it('ends with a dead catch-all', () => {
    expect(WECOM_ROBOT_ERRORS.at(-1)!.matches({ status: 200, code: 987654 })).toBe(true);
    expect(WECOM_ROBOT_ERRORS.at(-1)!.action).toBe('dead');
  });

  it('maps receipts and missing receipts to retry / dead', () => {
    expect(robotError({ headers: { req_id: 'x' }, errcode: 45009, errmsg: 'freq' })).toMatchObject({ code: 'RATE_LIMITED', retryable: true, retryAfterMs: 60_000 });
    expect(robotError({ errcode: 40058, errmsg: 'bad' })).toMatchObject({ code: 'AUTH_FAILED', retryable: false });
    expect(robotError({ errcode: 600039, errmsg: 'no session' })).toMatchObject({ code: 'PLATFORM_REJECTED', retryable: false });
    expect(robotError(new Error('Reply ack timeout (5000ms) for reqId: aibot_send_msg_1'))).toMatchObject({ code: 'NETWORK', retryable: true });
    expect(robotError(new Error('WebSocket not connected, unable to send data'))).toMatchObject({ code: 'NETWORK', retryable: true });
  });
});
