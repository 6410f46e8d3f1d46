// DingTalk robot HTTP callback check (doc "接收消息的消息协议"): header `sign` must equal
// base64(HMAC-SHA256(key = appSecret, timestamp + "\n" + appSecret)) over the header's exact `timestamp` (ms).
// The signature covers no body, so a captured (timestamp, sign) pair could carry any other body: each pair is bound
// to the msgId it first carried (SignLedger), and the window is kept far shorter than the documented hour.
import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * ±2 min. DingTalk's documented re-delivery cadence is Stream's (~60 s for an unacked frame); the HTTP callback's
 * retry policy is not documented, and a retry that re-signs carries a fresh timestamp anyway. So 60 s of re-delivery
 * plus 60 s of clock skew between DingTalk and us; everything older is refused, and the ledger below only has to
 * remember pairs this long. Stream mode (README) has no such weakness.
 */
export const TIMESTAMP_WINDOW_MS = 2 * 60_000;

/** Remembers which msgId each signature first carried. `claim` is atomic across instances (a unique key). */
export interface SignLedger {
  /** True when this sign is new, or was first seen with this same msgId (a platform retry). */
  claim(sign: string, timestamp: string, msgId: string): Promise<boolean>;
}

/** A process-local ledger, for tests and single-instance set-ups; the composition root passes the database one. */
export function createMemorySignLedger(): SignLedger {
  const seen = new Map<string, string>();
  return {
    async claim(sign, _timestamp, msgId) {
      const first = seen.get(sign);
      if (first === undefined) seen.set(sign, msgId);
      return (first ?? msgId) === msgId;
    },
  };
}

export function dingtalkSign(timestamp: string, secret: string): string {
  return createHmac('sha256', secret).update(`${timestamp}\n${secret}`, 'utf8').digest('base64');
}

export function verifyDingtalkSign(timestamp: string, sign: string, secret: string): boolean {
  const expected = Buffer.from(dingtalkSign(timestamp, secret));
  const got = Buffer.from(sign);
  return got.length === expected.length && timingSafeEqual(got, expected);
}

export function checkTimestamp(timestamp: string, nowMs: number): boolean {
  if (!/^\d{12,14}$/.test(timestamp)) return false;
  return Math.abs(nowMs - Number(timestamp)) <= TIMESTAMP_WINDOW_MS;
}
