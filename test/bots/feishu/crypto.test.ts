import * as lark from '@larksuiteoapi/node-sdk';
import { describe, expect, it } from 'vitest';
import { FeishuCryptoError, checkTimestamp, decryptEvent, feishuSignature, verifyFeishuSignature } from '../../../bots/feishu/crypto.js';
import { encryptFeishu } from './sign.js';

// ../shared/platforms.md §2.7: the decrypt example from Feishu's event docs and the signature formula of §2.1.
describe('Feishu crypto against the documented vectors', () => {
  it('decrypts the official example with the SDK cipher', () => {
    expect(new lark.AESCipher('test key').decrypt('P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk=')).toBe('hello world');
  });

  it('computes the signature over timestamp + nonce + key + raw body', () => {
    const body = Buffer.from('{"encrypt":"P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk="}');
    const sig = '88e3a931e52de1384d36ee0d1b8226cbd7293b4b3300058417750dfcb868617f';
    expect(feishuSignature('1700000000', 'n123', 'test key', body)).toBe(sig);
    expect(verifyFeishuSignature({ timestamp: '1700000000', nonce: 'n123', encryptKey: 'test key', body, signature: sig })).toBe(true);
    // Same JSON, different whitespace: the bytes differ, so the signature does not hold (the SDK would re-serialise).
    const spaced = Buffer.from('{ "encrypt": "P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk=" }');
    expect(verifyFeishuSignature({ timestamp: '1700000000', nonce: 'n123', encryptKey: 'test key', body: spaced, signature: sig })).toBe(false);
    expect(verifyFeishuSignature({ timestamp: '1700000000', nonce: 'n123', encryptKey: 'test key', body, signature: sig.toUpperCase() })).toBe(false);
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

  it('accepts timestamps only within five minutes', () => {
    const now = 1_700_000_000_000;
    expect(checkTimestamp('1700000000', now)).toBe(true);
    expect(checkTimestamp('1699999600', now)).toBe(false);
    expect(checkTimestamp('1700000400', now)).toBe(false);
    expect(checkTimestamp('17e8', now)).toBe(false);
    expect(checkTimestamp('', now)).toBe(false);
  });
});
