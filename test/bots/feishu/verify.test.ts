import { describe, expect, it } from 'vitest';
import { checkTimestamp, feishuSignature, verifyFeishuSignature } from '../../../bots/feishu/verify.js';

// ../shared/platforms.md §2.1: the signature formula, over the raw body bytes; and our timestamp window.
describe('Feishu request verification', () => {
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

  it('accepts timestamps only within five minutes', () => {
    const now = 1_700_000_000_000;
    expect(checkTimestamp('1700000000', now)).toBe(true);
    expect(checkTimestamp('1699999600', now)).toBe(false);
    expect(checkTimestamp('1700000400', now)).toBe(false);
    expect(checkTimestamp('17e8', now)).toBe(false);
    expect(checkTimestamp('', now)).toBe(false);
  });
});
