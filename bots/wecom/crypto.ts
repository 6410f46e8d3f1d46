// WeCom message crypto (doc 91144 加解密方案说明): signature via @wecom/crypto, and a strict decrypt that checks
// what the library does not (base64 charset, 32-byte blocks, PKCS#7 pad bytes, msg_len bounds, receive id).
import { createDecipheriv } from 'node:crypto';
import { encrypt as wecomEncrypt, getSignature } from '@wecom/crypto';

export { getSignature };

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export class WecomCryptoError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'WecomCryptoError';
  }
}

function aesKey(encodingAesKey: string): Buffer {
  const key = Buffer.from(`${encodingAesKey}=`, 'base64');
  if (key.length !== 32) throw new WecomCryptoError('bad EncodingAESKey');
  return key;
}

/** Decrypts an `Encrypt`/`echostr` value; throws WecomCryptoError on anything malformed. */
export function decryptStrict(encodingAesKey: string, encrypted: string): { message: string; receiveId: string } {
  if (!BASE64.test(encrypted)) throw new WecomCryptoError('not base64');
  const data = Buffer.from(encrypted, 'base64');
  if (data.length === 0 || data.length % 32 !== 0) throw new WecomCryptoError('ciphertext length');
  const key = aesKey(encodingAesKey);
  const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
  decipher.setAutoPadding(false);
  const plain = Buffer.concat([decipher.update(data), decipher.final()]);
  const pad = plain[plain.length - 1]!;
  if (pad < 1 || pad > 32 || pad > plain.length) throw new WecomCryptoError('padding');
  for (let i = plain.length - pad; i < plain.length; i++) if (plain[i] !== pad) throw new WecomCryptoError('padding');
  const body = plain.subarray(0, plain.length - pad);
  if (body.length < 20) throw new WecomCryptoError('too short');
  const len = body.readUInt32BE(16);
  if (20 + len > body.length) throw new WecomCryptoError('length field');
  return { message: body.subarray(20, 20 + len).toString('utf8'), receiveId: body.subarray(20 + len).toString('utf8') };
}

/** Encrypts a passive reply (same layout and key). */
export function encryptReply(encodingAesKey: string, message: string, receiveId: string): string {
  return wecomEncrypt(encodingAesKey, message, receiveId);
}
