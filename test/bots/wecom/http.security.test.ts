// WeCom's URL verification (GET /bots/wecom/callback). The refusals of the POST route are in
// test/contract/verification.security.test.ts with the other platforms'.
import { describe, expect, it } from 'vitest';
import type { Dispatch, InboundEvent } from '../../../src/adapter.js';
import { wecomRoutes } from '../../../bots/wecom/http.js';
import { TEST_WECOM, signedVerification } from './sign.js';

const [getRoute] = wecomRoutes(TEST_WECOM);

function recorder() {
  const events: InboundEvent[] = [];
  const dispatch: Dispatch = async (e) => {
    events.push(e);
    return {};
  };
  return { events, dispatch };
}

describe('WeCom URL verification', () => {
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
    expect(r.events).toHaveLength(0);
  });
});
