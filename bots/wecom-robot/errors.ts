// Smart-robot send failures → retry / dead. A send over the long connection fails in one of two ways: no answer
// (not connected, the connection closed under it, or no receipt within the SDK's 5 s — it may still have arrived:
// at least once, like DingTalk), or a receipt frame with an errcode (doc 101463 主动推送消息 → 响应格式; codes from
// the global table, doc 90313). test/bots/wecom-robot/errors.test.ts checks every row.
import { adapterError, type ErrorRule, type Failure } from '../error-rules.js';

const RATE_CODES = new Set([45009, 45033, -1]);
const AUTH_CODES = new Set([40001, 40013, 40056, 40058, 93000, 93004]);
const code = (f: Failure) => Number(f.code ?? 0);

export const WECOM_ROBOT_ERRORS: readonly ErrorRule[] = [
  { when: 'no receipt: not connected, connection closed, receipt timeout', matches: (f) => f.status === 0, action: 'retry', as: 'NETWORK', examples: [{ status: 0 }] },
  { when: 'rate limited or busy (45009, 45033, -1)', matches: (f) => RATE_CODES.has(code(f)), action: 'retry', as: 'RATE_LIMITED', retryAfterMs: 60_000, examples: [{ status: 200, code: 45009 }, { status: 200, code: -1 }] },
  { when: 'robot credentials, robot removed or disabled', matches: (f) => AUTH_CODES.has(code(f)), action: 'dead', as: 'AUTH_FAILED', examples: [{ status: 200, code: 40001 }, { status: 200, code: 93004 }] },
  { when: 'any other errcode (no session with this user, bad card, content too long…)', matches: () => true, action: 'dead', as: 'PLATFORM_REJECTED', examples: [{ status: 200, code: 40008 }, { status: 200, code: 600039 }] },
];

/** What the SDK rejected with: its receipt frame (`{errcode, errmsg}`) or an Error (no receipt). */
export function robotError(err: unknown) {
  const frame = err as { errcode?: unknown; errmsg?: unknown } | undefined;
  if (frame && typeof frame === 'object' && typeof frame.errcode === 'number') {
    return adapterError('wecom', WECOM_ROBOT_ERRORS, { status: 200, code: frame.errcode }, `robot ${frame.errcode} ${String(frame.errmsg ?? '')}`);
  }
  return adapterError('wecom', WECOM_ROBOT_ERRORS, { status: 0 }, `robot: ${String((err as Error)?.message ?? err)}`, err);
}
