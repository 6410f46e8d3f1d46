// Issue #17's attacks against WeCom's callback (/bots/wecom/callback), end to end: shared attacks from
// ../attacks.ts, then WeCom's own — a captured signature with another ciphertext, a signed `__proto__` element,
// and the sibling-element envelope. WeCom's msg_signature covers token + timestamp + nonce + the ciphertext, so the
// DingTalk "same pair, other body" weakness cannot exist here; the analogous swap is still replayed to prove it.
// Template-card fields are plain text by WeCom's format (doc 90236), so a card's markup is its buttons and link fields.
import type { FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import { createWecomAdapter } from '../../../bots/wecom/index.js';
import { createDbTokenStore } from '../../../src/db/token-store.js';
import { injectWire, toWire } from '../../faults/harness.js';
import { startFakeWecom } from '../../fakes/wecom-api.js';
import { testDriver, type TestDb } from '../../helpers/db.js';
import { attackWorld, changed, commonAttacks, effects, type AttackPlatform, type SentCard } from '../attacks.js';
import { TEST_WECOM, cardClickXml, signedCallback, textXml } from './sign.js';

/** What WeCom turns into links or actions in a message it receives from us. */
function wecomMarkup(body: any): string {
  if (body.msgtype === 'markdown') return String(body.markdown.content);
  const c = body.template_card ?? {};
  const links = JSON.stringify([c.card_action, c.jump_list, c.quote_area, (c.horizontal_content_list ?? []).filter((h: any) => h.type)].filter(Boolean));
  return [links, ...(c.button_list ?? []).map((b: any) => `"key" ${b.key}`)].join('\n');
}

async function wecomPlatform(t: TestDb): Promise<AttackPlatform> {
  const fake = await startFakeWecom({ corpId: TEST_WECOM.corpId, secret: TEST_WECOM.secret, agentId: TEST_WECOM.agentId });
  const adapter = createWecomAdapter({ ...TEST_WECOM, apiBase: fake.baseUrl }, { tokenStore: createDbTokenStore(t.db) });
  let app: FastifyInstance;
  let msg = 9_400_000_000_000_000_000n;
  const send = (req: ReturnType<typeof signedCallback>) => injectWire(app, toWire(req));
  const sends = (user: string) => fake.sends().filter((r) => (r.body as any).touser === user).map((r) => r.body as any);
  const cards = (user: string, approval: string) => sends(user).filter((b) => b.msgtype === 'template_card' && b.template_card.main_title.title.includes(approval));
  return {
    name: 'wecom',
    adapter,
    attach: (a) => (app = a),
    say: (user, text) => send(signedCallback(textXml(user, text, String(++msg)))),
    sentTo: (user) => sends(user).map((b) => JSON.stringify(b)),
    approvalCards: (user, approval): SentCard[] => cards(user, approval).map((b) => ({ markup: wecomMarkup(b), json: JSON.stringify(b) })),
    async pressApprove(actor, holder, approval) {
      const tc = cards(holder, approval).at(-1)!.template_card;
      return send(signedCallback(cardClickXml(actor, tc.button_list[0].key, tc.task_id)));
    },
    ref: (user) => user,
    pid: (user) => user,
    close: () => fake.close(),
  };
}

describe(`WeCom: every #17 attack through the callback (${testDriver()})`, () => {
  const w = attackWorld(wecomPlatform);
  commonAttacks(w);
  const post = (req: ReturnType<typeof signedCallback>) => injectWire(w.app(), toWire(req));
  const encryptOf = (body: Buffer) => /<Encrypt><!\[CDATA\[(.*?)\]\]><\/Encrypt>/.exec(body.toString())![1]!;

  it('a captured signature with another ciphertext (the admin promoting mallory) is refused and writes nothing', async () => {
    const genuine = signedCallback(textXml('mallory', '/帮助', '9400000000000000101'));
    expect((await post(genuine)).statusCode).toBe(200);
    await w.worker().drain();
    const before = await effects(w.t().db);
    const forged = signedCallback(textXml('admin1', '/设置 角色 mallory 管理员', '9400000000000000102'));
    const swapped = { ...genuine, body: Buffer.from(genuine.body.toString().replace(encryptOf(genuine.body), encryptOf(forged.body))) };
    expect((await post(swapped)).statusCode).toBe(401);
    await w.worker().drain();
    expect(changed(before, await effects(w.t().db))).toEqual({});
    expect((await w.userRow('mallory')).role).toBe('rep');
  });

  it('a signed __proto__ element in the message is refused as malformed (400) and writes nothing', async () => {
    const xml = textXml('mallory', '/设置 角色 mallory 管理员', '9400000000000000201').replace('<xml>', '<xml><__proto__><FromUserName><![CDATA[admin1]]></FromUserName></__proto__>');
    const before = await effects(w.t().db);
    expect((await post(signedCallback(xml))).statusCode).toBe(400);
    expect(changed(before, await effects(w.t().db))).toEqual({});
    expect(({} as Record<string, unknown>).FromUserName).toBeUndefined();
  });

  it('a sibling-element envelope (≈60 KB) is refused before the signature, as cheaply as a bad signature, writing nothing', async () => {
    const good = signedCallback(textXml('mallory', '/帮助', '9400000000000000301'));
    const flood = `<xml>${'<a>1</a>'.repeat(7500)}<ToUserName><![CDATA[${TEST_WECOM.corpId}]]></ToUserName><Encrypt><![CDATA[${encryptOf(good.body)}]]></Encrypt></xml>`;
    expect(flood.length).toBeLessThan(64 * 1024);
    const before = await effects(w.t().db);
    const floodReq = { ...good, body: Buffer.from(flood) };
    const badSig = signedCallback(textXml('mallory', '/帮助', '9400000000000000302'), { signature: 'f'.repeat(40) });
    expect((await post(floodReq)).statusCode).toBe(400);
    expect((await post(badSig)).statusCode).toBe(401);
    // Median over a few rounds through the whole HTTP stack: the flood must not cost many times a plain refusal.
    const median = async (req: typeof good) => {
      const ms: number[] = [];
      for (let i = 0; i < 15; i++) {
        const t0 = performance.now();
        await post(req);
        ms.push(performance.now() - t0);
      }
      return ms.sort((a, b) => a - b)[7]!;
    };
    const [floodMs, badSigMs] = [await median(floodReq), await median(badSig)];
    console.info(`WeCom refusal through inject: 60 KB sibling flood ${floodMs.toFixed(2)} ms, bad signature ${badSigMs.toFixed(2)} ms`);
    expect(floodMs).toBeLessThan(badSigMs * 4 + 2);
    expect(changed(before, await effects(w.t().db))).toEqual({});
  });
});
