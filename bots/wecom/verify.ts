// Pure checks on an inbound WeCom request: SHA-1 signature over (token, timestamp, nonce, Encrypt|echostr) compared
// in constant time, and our own ±5-minute window on the timestamp (WeCom has none). Injectable clock.
import { timingSafeEqual } from 'node:crypto';
import { getSignature } from './crypto.js';

export const TIMESTAMP_WINDOW_SEC = 300;

export function verifySignature(p: { token: string; timestamp: string; nonce: string; encrypted: string; signature: string }): boolean {
  const expected = Buffer.from(getSignature(p.token, p.timestamp, p.nonce, p.encrypted));
  const given = Buffer.from(p.signature.toLowerCase());
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export function checkTimestamp(timestamp: string, nowMs: number, windowSec = TIMESTAMP_WINDOW_SEC): boolean {
  if (!/^\d{1,12}$/.test(timestamp)) return false;
  return Math.abs(nowMs / 1000 - Number(timestamp)) <= windowSec;
}
