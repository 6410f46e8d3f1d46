// Feishu request checks (docs "接收事件" / "处理卡片回调"): sha256 signature over the RAW body bytes, the
// verification token, and AES-256-CBC decryption of `encrypt` (the SDK's AESCipher). The SDK itself signs over
// JSON.stringify(parsed body) and compares with ===, so we check the exact bytes ourselves, in constant time.
import { createHash, timingSafeEqual } from 'node:crypto';
import * as lark from '@larksuiteoapi/node-sdk';
import { parseJsonData } from '../plain-data.js';

export class FeishuCryptoError extends Error {}

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

/** Decrypts an `encrypt` field to the JSON object inside, or throws FeishuCryptoError. */
export function decryptEvent(encryptKey: string, encrypted: string): Record<string, unknown> {
  // IV (16) + at least one block, base64 of a multiple of 16 bytes.
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encrypted)) throw new FeishuCryptoError('encrypt is not base64');
  const raw = Buffer.from(encrypted, 'base64');
  if (raw.length < 32 || raw.length % 16 !== 0) throw new FeishuCryptoError('bad ciphertext length');
  let plain: string;
  try {
    plain = new lark.AESCipher(encryptKey).decrypt(encrypted);
  } catch {
    throw new FeishuCryptoError('decrypt failed');
  }
  try {
    const obj: unknown = parseJsonData(plain);
    if (!obj || typeof obj !== 'object' || Array.isArray(obj)) throw new Error('not an object');
    return obj as Record<string, unknown>;
  } catch {
    throw new FeishuCryptoError('decrypted text is not a JSON object');
  }
}

/** Freshness window for X-Lark-Request-Timestamp (Feishu documents none; retries arrive within minutes). */
export const TIMESTAMP_WINDOW_SEC = 300;

export function checkTimestamp(timestamp: string, nowMs: number): boolean {
  if (!/^\d{9,11}$/.test(timestamp)) return false;
  return Math.abs(nowMs / 1000 - Number(timestamp)) <= TIMESTAMP_WINDOW_SEC;
}
