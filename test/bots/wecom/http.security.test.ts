import { getSignature } from '@wecom/crypto';
import { describe, expect, it } from 'vitest';
import type { Dispatch, InboundEvent } from '../../../src/adapter.js';
import { wecomRoutes } from '../../../bots/wecom/http.js';
import { TEST_WECOM, signedCallback, signedVerification, textXml } from './sign.js';

const [getRoute, postRoute] = wecomRoutes(TEST_WECOM);

function recorder() {
  const events: InboundEvent[] = [];
  const dispatch: Dispatch = async (e) => {
    events.push(e);
    return {};
  };
  return { events, dispatch };
}

describe('WeCom callback refuses anything that fails a check, before the core sees it', () => {
  it('accepts a valid callback once', async () => {
    const r = recorder();
    const res = await postRoute!.handle(signedCallback(textXml('zhangsan', '/待办', '123')), r.dispatch);
    expect(res).toEqual({ status: 200, body: '' });
    expect(r.events).toHaveLength(1);
    expect(r.events[0]).toMatchObject({ type: 'message', eventKey: '123', text: '/待办', tenantKey: TEST_WECOM.corpId });
  });

  const cases: Array<[string, () => ReturnType<typeof signedCallback>, number]> = [
    ['forged signature', () => signedCallback(textXml('u', 'x'), { signature: 'f'.repeat(40) }), 401],
    ['wrong corp id in the ciphertext', () => signedCallback(textXml('u', 'x'), { receiveId: 'wwOTHERCORP' }), 401],
    ['wrong ToUserName', () => signedCallback(textXml('u', 'x'), { toUserName: 'wwOTHERCORP' }), 401],
    ['stale timestamp', () => signedCallback(textXml('u', 'x'), { timestamp: String(Math.floor(Date.now() / 1000) - 3600) }), 401],
    ['truncated ciphertext (re-signed)', () => truncatedButSigned(), 400],
    ['tampered ciphertext', () => signedCallback(textXml('u', 'x'), { mutateEncrypted: (e) => `${e[0] === 'A' ? 'B' : 'A'}${e.slice(1)}` }), 401],
    ['malformed XML', () => ({ ...signedCallback(textXml('u', 'x')), body: Buffer.from('<xml><Encrypt>abc') }), 400],
    ['XXE DOCTYPE', () => ({ ...signedCallback(textXml('u', 'x')), body: Buffer.from('<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><Encrypt>&e;</Encrypt></xml>') }), 400],
    ['oversized body', () => ({ ...signedCallback(textXml('u', 'x')), body: Buffer.alloc(70 * 1024, 'a') }), 413],
  ];
  for (const [name, build, status] of cases) {
    it(`refuses ${name} with ${status}`, async () => {
      const r = recorder();
      const res = await postRoute!.handle(build(), r.dispatch);
      expect(res.status).toBe(status);
      expect(res.body).toBe('');
      expect(r.events).toHaveLength(0);
    });
  }

  it('refuses a forged URL verification and answers a valid one', async () => {
    const r = recorder();
    expect((await getRoute!.handle(signedVerification('42', { signature: '0'.repeat(40) }), r.dispatch)).status).toBe(401);
    expect((await getRoute!.handle(signedVerification('42', { receiveId: 'wwX' }), r.dispatch)).status).toBe(401);
    const ok = await getRoute!.handle(signedVerification('42'), r.dispatch);
    expect(ok).toMatchObject({ status: 200, body: '42' });
    // A form decoder that turned '+' into ' ' is undone.
    const req = signedVerification('plus-test');
    req.query.echostr = req.query.echostr!.replace(/\+/g, ' ');
    expect((await getRoute!.handle(req, r.dispatch)).status).toBe(200);
  });
});

/** A ciphertext cut to a non-multiple of 32 bytes, re-signed so only the length check can catch it. */
function truncatedButSigned() {
  const base = signedCallback(textXml('u', 'x'));
  const encrypted = /<Encrypt><!\[CDATA\[(.*)\]\]><\/Encrypt>/.exec(base.body.toString())![1]!;
  const cut = Buffer.from(encrypted, 'base64').subarray(0, 40).toString('base64');
  return signedCallback(textXml('u', 'x'), { mutateEncrypted: () => cut, signature: sig(cut, base.query.timestamp!, base.query.nonce!), timestamp: base.query.timestamp!, nonce: base.query.nonce! });
}

function sig(enc: string, ts: string, nonce: string) {
  return getSignature(TEST_WECOM.token, ts, nonce, enc);
}
