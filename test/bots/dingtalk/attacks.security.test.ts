// Issue #17's attacks against DingTalk's HTTP robot callback (/bots/dingtalk/callback), end to end: shared attacks
// from ../attacks.ts (including a captured (timestamp, sign) pair replayed with another body, refused by the
// database sign ledger the composition runs), then DingTalk's own: `__proto__` payloads. Stream mode has no
// per-request sign at all (the socket is authenticated once), so the replay attack does not apply to it; its
// decoding is covered by the `__proto__` cases of proto.security.test.ts. WeCom's envelope attack does not apply:
// DingTalk's body is JSON, parsed only after the sign check.
import { describe, expect, it } from 'vitest';
import type { RawRequest } from '../../../src/adapter.js';
import { dingtalk } from '../../contract/platforms.js';
import { testDriver } from '../../helpers/db.js';
import { attackWorld, changed, commonAttacks, effects } from '../attacks.js';
import { robotMessage, signedRobotCallback, staffId } from './sign.js';

describe(`DingTalk: every #17 attack through the HTTP callback (${testDriver()})`, () => {
  const w = attackWorld(dingtalk);
  commonAttacks(w);
  const post = (req: RawRequest) => w.s().post(req);

  it('signed __proto__ payloads: no prototype is set, no field is smuggled, nothing is written', async () => {
    const db = w.t().db;
    // 1. The staffId hidden only in __proto__ is not read: the sender counts as an external contact (200, so DingTalk
    // stops re-delivering) and nothing is written.
    const hidden = JSON.stringify(robotMessage('mallory', '/设置 角色 mallory 管理员'))
      .replace(/"senderStaffId":"[^"]*",?/, '')
      .replace(/^\{/, `{"__proto__":{"senderStaffId":"${staffId('admin1')}","isAdmin":true},`);
    let before = await effects(db);
    const res = await post(signedRobotCallback(undefined, { raw: hidden }));
    expect(res.statusCode).toBe(200);
    await w.s().app.settle();
    expect(changed(before, await effects(db))).toEqual({});

    // 2. mallory's own message carrying an admin sender in __proto__ and a constructor.prototype: read as mallory's,
    // so the admin-only command is refused; only the inbox receipt is written.
    const smuggled = JSON.stringify(robotMessage('mallory', '/设置 角色 mallory 管理员')).replace(
      /^\{/,
      `{"__proto__":{"senderStaffId":"${staffId('admin1')}","senderNick":"admin1"},"constructor":{"prototype":{"isAdmin":true,"polluted":1}},`,
    );
    before = await effects(db);
    const sent = w.s().sentTo('mallory').length;
    expect((await post(signedRobotCallback(undefined, { raw: smuggled }))).statusCode).toBe(200);
    await w.s().app.settle();
    expect(w.s().sentTo('mallory').slice(sent).join('\n')).toMatch(/管理员/);
    expect(changed(before, await effects(db))).toEqual({ inbound_events: 1 });
    expect((await w.userRow('mallory')).role).toBe('rep');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
  });
});
