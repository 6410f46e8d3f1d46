// Feishu request checks (docs "接收事件" / "处理卡片回调"): sha256 signature over the RAW body bytes, compared in
// constant time, and our freshness window on the timestamp. The SDK itself signs over JSON.stringify(parsed body) and
// compares with ===, so we check the exact bytes ourselves. Pure; injectable clock.
import { createHash, timingSafeEqual } from 'node:crypto';

/** hex(sha256(timestamp + nonce + encryptKey + body)) — X-Lark-Signature. */
export function feishuSignature(timestamp: string, nonce: string, encryptKey: string, body: Buffer): string {
  return createHash('sha256').update(Buffer.concat([Buffer.from(timestamp + nonce + encryptKey, 'utf8'), body])).digest('hex');
}

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

export function verifyFeishuSignature(o: { timestamp: string; nonce: string; encryptKey: string; body: Buffer; signature: string }): boolean {
  if (!/^[0-9a-f]{64}$/.test(o.signature)) return false;
  return safeEqual(feishuSignature(o.timestamp, o.nonce, o.encryptKey, o.body), o.signature);
}

/** Freshness window for X-Lark-Request-Timestamp (Feishu documents none; retries arrive within minutes). */
export const TIMESTAMP_WINDOW_SEC = 300;

export function checkTimestamp(timestamp: string, nowMs: number): boolean {
  if (!/^\d{9,11}$/.test(timestamp)) return false;
  return Math.abs(nowMs / 1000 - Number(timestamp)) <= TIMESTAMP_WINDOW_SEC;
}
