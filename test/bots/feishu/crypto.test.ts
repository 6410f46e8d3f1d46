import * as lark from '@larksuiteoapi/node-sdk';
import { describe, expect, it } from 'vitest';
import { FeishuCryptoError, decryptEvent } from '../../../bots/feishu/crypto.js';
import { encryptFeishu } from './sign.js';

// ../shared/platforms.md §2.7: the decrypt example from Feishu's event docs (the signature is in verify.test.ts).
describe('Feishu crypto against the documented vectors', () => {
  it('decrypts the official example with the SDK cipher', () => {
    expect(new lark.AESCipher('test key').decrypt('P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk=')).toBe('hello world');
  });

  it('decrypts the encrypted handshake and our own encryption round-trips', () => {
    const hs = 'MDEyMzQ1Njc4OWFiY2RlZm9o/hssjEARcKgXcim6vereRT+BQBhpc2Dh37QvMoA6nyXESkf45iZSx53lxw7boQUfcz5PhnPPlZB1KbZQfCg=';
    expect(decryptEvent('test key', hs)).toEqual({ challenge: 'c1', token: 'vt', type: 'url_verification' });
    expect(encryptFeishu('test key', '{"challenge":"c1","token":"vt","type":"url_verification"}', Buffer.from('0123456789abcdef'))).toBe(hs);
  });

  it('refuses wrong keys, truncated or non-base64 ciphertext, and non-JSON plaintext', () => {
    const good = encryptFeishu('k1', '{"a":1}');
    expect(() => decryptEvent('k2', good)).toThrow(FeishuCryptoError);
    expect(() => decryptEvent('k1', good.slice(0, 20))).toThrow(FeishuCryptoError);
    expect(() => decryptEvent('k1', '!!!not base64!!!')).toThrow(FeishuCryptoError);
    expect(() => decryptEvent('k1', encryptFeishu('k1', 'hello'))).toThrow(FeishuCryptoError);
    expect(() => decryptEvent('k1', encryptFeishu('k1', '[1,2]'))).toThrow(FeishuCryptoError);
  });
});
