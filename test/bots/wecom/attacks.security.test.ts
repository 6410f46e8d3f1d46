// Issue #17's attacks against WeCom's callback (/bots/wecom/callback), end to end: shared attacks from
// ../attacks.ts (including a captured signature with another ciphertext), then WeCom's own — a signed `__proto__`
// element and the sibling-element envelope. Template-card fields are plain text by WeCom's format (doc 90236), so a
// card's markup is its buttons and link fields (test/contract/platforms.ts).
import { describe, expect, it } from 'vitest';
import type { RawRequest } from '../../../src/adapter.js';
import { wecom } from '../../contract/platforms.js';
import { testDriver } from '../../helpers/db.js';
import { attackWorld, changed, commonAttacks, effects } from '../attacks.js';
import { TEST_WECOM, signedCallback, textXml } from './sign.js';

describe(`WeCom: every #17 attack through the callback (${testDriver()})`, () => {
  const w = attackWorld(wecom);
  commonAttacks(w);
  const post = (req: RawRequest) => w.s().post(req);
  const encryptOf = (body: Buffer) => /<Encrypt><!\[CDATA\[(.*?)\]\]><\/Encrypt>/.exec(body.toString())![1]!;

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
