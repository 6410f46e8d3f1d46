// The DingTalk driver: robot callbacks signed by test/bots/dingtalk/sign.ts (HTTP mode), replies read from the fake
// DingTalk API (test/fakes/dingtalk-api.ts), mutations from ../mutations-dingtalk.ts.
import { expect } from 'vitest';
import { CORP_ID, TEST_DINGTALK, robotMessage, signedRobotCallback, staffId } from '../../bots/dingtalk/sign.js';
import { startFakeDingtalk, type FakeDingtalk } from '../../fakes/dingtalk-api.js';
import { DINGTALK_PATH, startFaultApp } from '../../faults/harness.js';
import { dingtalkFuzzer } from '../mutations-dingtalk.js';
import { commonRefusals, session, type Driver, type SentCard } from './driver.js';

const dingtalkFresh = () => robotMessage('张三', '/新客户 伪造厂');

export const dingtalk: Driver = {
  name: 'dingtalk',
  label: 'DingTalk',
  path: DINGTALK_PATH,
  can: { signCoversBody: false },
  tenantKey: CORP_ID,
  ref: (user) => user, // DingTalk names people by their nick (senderNick)
  pid: (user) => staffId(user),
  nameOf: (user) => user,
  message: (user, text, id, atSec = 0) => signedRobotCallback(robotMessage(user, text, id ? { msgId: id } : {}), { timestamp: String(Date.now() + atSec * 1000) }),
  windowSec: 120, // DingTalk's 60 s plus 60 s of clock skew: the sign ledger only has to remember pairs this long
  // A re-delivery carries a new timestamp and sign, and keeps msgId.
  retry: (user, text, id) => {
    const body = robotMessage(user, text, { msgId: id });
    let n = 0;
    return () => signedRobotCallback(body, { timestamp: String(Date.now() - ++n * 1000) });
  },
  refusals: {
    common: commonRefusals({
      forged: () => signedRobotCallback(dingtalkFresh(), { sign: 'hmPWwU+7lVdm3ZZz0r9tSfx0L4Q26jWOZr9+Gs6EZQM=' }),
      otherKey: () => signedRobotCallback(dingtalkFresh(), { secret: 'not-our-secret-0000000000' }),
      signedAt: (offset) => signedRobotCallback(dingtalkFresh(), { timestamp: String(Date.now() + offset * 1000) }),
      unsigned: () => ({ ...signedRobotCallback(dingtalkFresh()), headers: { 'content-type': 'application/json' } }),
      otherApp: () => signedRobotCallback(robotMessage('张三', '/新客户 伪造厂', { robotCode: 'dingotherrobot0001' })),
      garbage: () => signedRobotCallback(null, { raw: '<xml>hi</xml>' }),
      empty: () => signedRobotCallback(null, { raw: '' }),
      oversized: () => signedRobotCallback(robotMessage('张三', 'x'.repeat(70_000))),
    }),
    own: [['a wrong shape', () => signedRobotCallback({ msgId: 'x', text: 'not an object' }), 400]],
  },
  fuzz: dingtalkFuzzer,
  // The sign covers only the timestamp: the forged body re-sent under the captured (timestamp, sign) pair (the
  // signer makes the same pair for the same timestamp), and the captured headers verbatim with the forged body.
  captured: (genuine, forged) => {
    const timestamp = String(genuine.headers.timestamp);
    const resent = signedRobotCallback(undefined, { timestamp, raw: forged.body.toString() });
    expect(resent.headers.sign).toBe(genuine.headers.sign);
    return [resent, { ...genuine, body: forged.body }];
  },
  async start(t, o = {}) {
    const fake: FakeDingtalk = await startFakeDingtalk({ appKey: TEST_DINGTALK.clientId, appSecret: TEST_DINGTALK.clientSecret, robotCode: TEST_DINGTALK.robotCode });
    const app = await startFaultApp(t, { dingtalk: fake.baseUrl }, o);
    const sends = (user: string) => fake.sends().filter((r) => r.body.userIds?.[0] === staffId(user));
    const cards = (user: string, approval?: string): Array<{ p: Record<string, string>; card: SentCard }> =>
      sends(user)
        .filter((r) => /^sampleActionCard/.test(r.body.msgKey))
        .map((r) => JSON.parse(r.body.msgParam) as Record<string, string>)
        .filter((p) => (approval ? p.title?.includes(approval) : /报价审批/.test(p.title ?? '')))
        // DingTalk renders the ActionCard's text as markdown; every *URL* field is a button target.
        .map((p) => ({ p, card: { markup: [p.text, ...Object.entries(p).filter(([k]) => /URL/.test(k)).map(([k, v]) => `"${k}" ${v}`)].join('\n'), json: JSON.stringify(p) } }));
    return session(dingtalk, app, {
      sentTo: (user) => sends(user).map((r) => JSON.stringify(r.body)),
      apiCalls: () => fake.received.length,
      textsTo: (user) =>
        sends(user).map((s) => {
          const p = JSON.parse(s.body.msgParam);
          return String(p.content ?? p.text ?? s.body.msgParam);
        }),
      approvalCards: (user, approval) => cards(user, approval).map((c) => c.card),
      // The ActionCard button is a dtmd: link that makes the tapper send `/批准 A-n` as themselves: anyone can type it.
      approveClick(actor, holder, approval) {
        const all = cards(holder, approval);
        const p = (approval ? all.at(-1) : all[0])?.p;
        if (!approval) expect(p, `${holder} got an approval card`).toBeDefined();
        const command = p ? new URL(p.actionURL1!).searchParams.get('content')! : `/批准 ${approval}`;
        expect(command).toMatch(/^\/批准 A-\d+$/);
        return signedRobotCallback(robotMessage(actor, command));
      },
      closeFake: () => fake.close(),
    });
  },
};

