import { describe, expect, it } from 'vitest';
import { decryptStrict, getSignature, WecomCryptoError } from '../../../bots/wecom/crypto.js';
import { decodeMessage } from '../../../bots/wecom/decode.js';
import { checkTimestamp, verifySignature } from '../../../bots/wecom/verify.js';

// Official vectors: doc 91144 / sbzhu/weworkapi samples (see shared/platforms.md §1.8).
const A = { token: 'QDG6eK', key: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C', corpId: 'wx5823bf96d3bd56c7' };
const A_ECHO = 'P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==';
const A_MSG =
  'RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q==';
const B = { token: 'hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo', key: '6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt', corpId: 'ww1436e0e65a779aee' };
const B_MSG =
  'Kl7kjoSf6DMD1zh7rtrHjFaDapSCkaOnwu3bqLc5tAybhhMl9pFeK8NslNPVdMwmBQTNoW4mY7AIjeLvEl3NyeTkAgGzBhzTtRLNshw2AEew+kkYcD+Fq72Kt00fT0WnN87hGrW8SqGc+NcT3mu87Ha3dz1pSDi6GaUA6A0sqfde0VJPQbZ9U+3JWcoD4Z5jaU0y9GSh010wsHF8KZD24YhmZH4ch4Ka7ilEbjbfvhKkNL65HHL0J6EYJIZUC2pFrdkJ7MhmEbU2qARR4iQHE7wy24qy0cRX3Mfp6iELcDNfSsPGjUQVDGxQDCWjayJOpcwocugux082f49HKYg84EpHSGXAyh+/oxwaWbvL6aSDPOYuPDGOCI8jmnKiypE+';

describe('WeCom crypto against the official vectors', () => {
  it('vector A: URL verification signature and echostr', () => {
    expect(verifySignature({ token: A.token, timestamp: '1409659589', nonce: '263014780', encrypted: A_ECHO, signature: '5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3' })).toBe(true);
    expect(decryptStrict(A.key, A_ECHO)).toEqual({ message: '1616140317555161061', receiveId: A.corpId });
  });

  it('vector A: message signature, decryption with a 30-byte pad, and MsgId kept exact', () => {
    expect(verifySignature({ token: A.token, timestamp: '1409659813', nonce: '1372623149', encrypted: A_MSG, signature: '477715d11cdb4164915debcba66cb864d751f3e6' })).toBe(true);
    const { message, receiveId } = decryptStrict(A.key, A_MSG);
    expect(receiveId).toBe(A.corpId);
    expect(Buffer.byteLength(message)).toBe(284);
    const event = decodeMessage(message, A.corpId, new Date());
    expect(event).toMatchObject({ type: 'message', eventKey: '4561255354251345929', text: 'hello', actor: { platformUserId: 'mycreate' } });
  });

  it('vector B: Chinese content, byte-counted length', () => {
    expect(verifySignature({ token: B.token, timestamp: '1476422779', nonce: '1597212914', encrypted: B_MSG, signature: '0c3914025cb4b4d68103f6bfc8db550f79dcf48e' })).toBe(true);
    const { message, receiveId } = decryptStrict(B.key, B_MSG);
    expect(receiveId).toBe(B.corpId);
    expect(decodeMessage(message, B.corpId, new Date())).toMatchObject({ text: '你好', eventKey: '1456453720', actor: { platformUserId: 'ChenJiaShun' } });
  });

  it('self-generated regression vector', () => {
    const enc = 'sKqRbbiSUnDhFHOvPjtUMfE9gL3HlDBiKnyFlRuX++I9ttozlE4dUEhq+LoB2ubROTVphCOu165itjOkPS3afXqDZMuEpvKtBZO+CBt9CHxEZuzAYOpD730zIVQ2WCQB';
    expect(getSignature('QDG6eK', '1700000000', 'nonce1', enc)).toBe('f092421ecf8b0fe288dd55648068ee3821938b02');
    expect(decryptStrict(A.key, enc).message).toBe('<xml><Content><![CDATA[/跟进 A-1]]></Content></xml>');
  });

  it('refuses forged signatures, truncated or junk ciphertext, and stale timestamps', () => {
    expect(verifySignature({ token: A.token, timestamp: '1409659813', nonce: '1372623149', encrypted: A_MSG, signature: '477715d11cdb4164915debcba66cb864d751f3e7' })).toBe(false);
    expect(verifySignature({ token: A.token, timestamp: '1409659813', nonce: '1372623149', encrypted: A_MSG, signature: 'short' })).toBe(false);
    expect(() => decryptStrict(A.key, A_MSG.slice(0, 100))).toThrow(WecomCryptoError);
    expect(() => decryptStrict(A.key, `${A_MSG.slice(0, -4)}@@@@`)).toThrow(WecomCryptoError);
    // Right length, wrong bytes: the padding check catches it.
    expect(() => decryptStrict(A.key, Buffer.alloc(64, 7).toString('base64'))).toThrow(WecomCryptoError);
    expect(checkTimestamp('1409659813', 1409659813_000 + 299_000)).toBe(true);
    expect(checkTimestamp('1409659813', 1409659813_000 + 301_000)).toBe(false);
    expect(checkTimestamp('14096x9813', 1409659813_000)).toBe(false);
  });
});
