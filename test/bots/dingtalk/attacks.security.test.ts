// Issue #17's attacks against DingTalk's HTTP robot callback (/bots/dingtalk/callback), end to end: shared attacks
// from ../attacks.ts, then DingTalk's own — a captured (timestamp, sign) pair replayed with another body, and
// `__proto__` payloads. Stream mode has no per-request sign at all (the socket is authenticated once), so the replay
// attack does not apply to it; its decoding is covered by the `__proto__` cases of proto.security.test.ts.
// WeCom's envelope attack does not apply: DingTalk's body is JSON, parsed only after the sign check.
import { describe, expect, it } from 'vitest';
import { createDingtalkAdapter } from '../../../bots/dingtalk/index.js';
import { createDbSignLedger } from '../../../src/db/sign-ledger.js';
import { createDbTokenStore } from '../../../src/db/token-store.js';
import { startFakeDingtalk } from '../../fakes/dingtalk-api.js';
import { testDriver, type TestDb } from '../../helpers/db.js';
import { DINGTALK_PATH, headerWire, injectAt } from '../../faults/harness.js';
import { attackWorld, changed, commonAttacks, effects, type AttackPlatform, type SentCard } from '../attacks.js';
import { TEST_DINGTALK, robotMessage, signedRobotCallback, staffId } from './sign.js';
import type { FastifyInstance } from 'fastify';

async function dingtalkPlatform(t: TestDb): Promise<AttackPlatform> {
  const fake = await startFakeDingtalk({ appKey: TEST_DINGTALK.clientId, appSecret: TEST_DINGTALK.clientSecret, robotCode: TEST_DINGTALK.robotCode });
  // The database ledger, as production runs it, so a replay is refused across restarts too.
  const adapter = createDingtalkAdapter({ ...TEST_DINGTALK, apiBase: fake.baseUrl }, { tokenStore: createDbTokenStore(t.db), signLedger: createDbSignLedger(t.db) });
  let app: FastifyInstance;
  const sends = (user: string) => fake.sends().filter((r) => r.body.userIds?.[0] === staffId(user));
  const cards = (user: string, approval: string): Array<{ p: Record<string, string>; card: SentCard }> =>
    sends(user)
      .filter((r) => /^sampleActionCard/.test(r.body.msgKey))
      .map((r) => JSON.parse(r.body.msgParam) as Record<string, string>)
      .filter((p) => p.title?.includes(approval))
      // DingTalk renders the ActionCard's text as markdown; every *URL* field is a button target.
      .map((p) => ({ p, card: { markup: [p.text, ...Object.entries(p).filter(([k]) => /URL/.test(k)).map(([k, v]) => `"${k}" ${v}`)].join('\n'), json: JSON.stringify(p) } }));
  return {
    name: 'dingtalk',
    adapter,
    attach: (a) => (app = a),
    say: (user, text) => injectAt(app, DINGTALK_PATH, headerWire(signedRobotCallback(robotMessage(user, text)))),
    sentTo: (user) => sends(user).map((r) => JSON.stringify(r.body)),
    approvalCards: (user, approval) => cards(user, approval).map((c) => c.card),
    // The ActionCard button is a dtmd: link that makes the tapper send `/批准 A-n` as themselves: anyone can type it.
    async pressApprove(actor, holder, approval) {
      const p = cards(holder, approval).at(-1)?.p;
      const command = p ? new URL(p.actionURL1!).searchParams.get('content')! : `/批准 ${approval}`;
      return injectAt(app, DINGTALK_PATH, headerWire(signedRobotCallback(robotMessage(actor, command))));
    },
    ref: (user) => user, // DingTalk names people by their nick
    pid: (user) => staffId(user),
    close: () => fake.close(),
  };
}

describe(`DingTalk: every #17 attack through the HTTP callback (${testDriver()})`, () => {
  const w = attackWorld(dingtalkPlatform);
  commonAttacks(w);
  const post = (req: ReturnType<typeof signedRobotCallback>) => injectAt(w.app(), DINGTALK_PATH, headerWire(req));

  it('a captured (timestamp, sign) pair replayed with the admin\'s body (a role change) is refused and writes nothing', async () => {
    const timestamp = String(Date.now());
    const genuine = signedRobotCallback(robotMessage('mallory', '/帮助', { msgId: 'msg-mallory-genuine' }), { timestamp });
    expect((await post(genuine)).statusCode).toBe(200);
    await w.worker().drain();

    const before = await effects(w.t().db);
    const sentBefore = w.p().sentTo('admin1').length;
    // Same headers, the body of a message from the admin's staffId promoting mallory.
    const forged = signedRobotCallback(robotMessage('admin1', '/设置 角色 mallory 管理员', { msgId: 'msg-forged-role' }), { timestamp });
    expect(forged.headers.sign).toBe(genuine.headers.sign);
    expect((await post(forged)).statusCode).toBe(401);
    // Raw header replay: exactly the captured headers, another body.
    expect((await injectAt(w.app(), DINGTALK_PATH, { headers: genuine.headers as Record<string, string>, body: forged.body })).statusCode).toBe(401);
    await w.worker().drain();
    expect(changed(before, await effects(w.t().db))).toEqual({});
    expect((await w.userRow('mallory')).role).toBe('rep');
    expect(w.p().sentTo('admin1').length).toBe(sentBefore);
  });

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
    await w.worker().drain();
    expect(changed(before, await effects(db))).toEqual({});

    // 2. mallory's own message carrying an admin sender in __proto__ and a constructor.prototype: read as mallory's,
    // so the admin-only command is refused; only the inbox receipt is written.
    const smuggled = JSON.stringify(robotMessage('mallory', '/设置 角色 mallory 管理员')).replace(
      /^\{/,
      `{"__proto__":{"senderStaffId":"${staffId('admin1')}","senderNick":"admin1"},"constructor":{"prototype":{"isAdmin":true,"polluted":1}},`,
    );
    before = await effects(db);
    const sent = w.p().sentTo('mallory').length;
    expect((await post(signedRobotCallback(undefined, { raw: smuggled }))).statusCode).toBe(200);
    await w.worker().drain();
    expect(w.p().sentTo('mallory').slice(sent).join('\n')).toMatch(/管理员/);
    expect(changed(before, await effects(db))).toEqual({ inbound_events: 1 });
    expect((await w.userRow('mallory')).role).toBe('rep');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
  });
});
