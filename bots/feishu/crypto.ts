// Feishu payload crypto (docs "接收事件" → 加密): AES-256-CBC decryption of the `encrypt` field (the SDK's
// AESCipher), with our own checks on its shape. The signature and timestamp checks are in verify.ts.
import * as lark from '@larksuiteoapi/node-sdk';
import { parseJsonData } from '../plain-data.js';

export class FeishuCryptoError extends Error {}

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
