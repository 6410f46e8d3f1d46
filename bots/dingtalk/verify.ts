// DingTalk robot HTTP callback check (doc "接收消息的消息协议"): header `sign` must equal
// base64(HMAC-SHA256(key = appSecret, timestamp + "\n" + appSecret)) over the header's exact `timestamp` (ms).
// The signature covers no body, so a captured pair could be replayed with another body: we keep the window far
// shorter than the documented hour and dedup on msgId.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const TIMESTAMP_WINDOW_MS = 10 * 60_000;

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
