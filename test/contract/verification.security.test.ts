// The webhook contract every platform route keeps (WeCom /bots/wecom/callback, Feishu /bots/feishu/events, DingTalk
// /bots/dingtalk/callback): a request that fails a check — forged, signed with another key, replayed from ten
// minutes or an hour ago, from the future, unsigned, for another app, unparseable, empty, oversized — is refused
// with the right status, never reaches the core, writes no row and makes no platform call; a genuine one passes.
// Each platform brings its own signer and the refusals only its transport has (test/contract/platforms.ts). The
// production app (startFaultApp) on a fresh database per platform, its platform calls answered by the fake.
// Then the window's edges, a retry of the very same request, and a captured signature carrying another body under
// the same message id (with another message id it is in test/bots/attacks.ts); 10,000 random mutations are in
// mutations.security.test.ts.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/rows.js';
import { changed, effects } from '../bots/attacks.js';
import { testDriver, useTestDb } from '../helpers/db.js';
import { eachPlatform, type Session } from './platforms.js';

describe.each(eachPlatform)(`%s webhook route (${testDriver()})`, (_label, d) => {
  const t = useTestDb();
  let s: Session;

  beforeAll(async () => {
    s = await d.start(t());
  });
  afterAll(async () => {
    await s?.close();
  });

  it.each([...d.refusals.common, ...d.refusals.own])('refuses %s before the core, writing nothing', async (_case, build, status) => {
    const before = await effects(t().db);
    const calls = s.apiCalls();
    const res = await s.post(build());
    expect(res.statusCode).toBe(status);
    if (d.refusals.body !== undefined) expect(res.body).toBe(d.refusals.body);
    await s.app.settle();
    // Every event the core is handed is first recorded in the inbox (inbound_events): no row, no dispatch.
    expect(changed(before, await effects(t().db))).toEqual({});
    expect(s.apiCalls()).toBe(calls);
  });

  it('accepts a genuine message once (the checks above can pass)', async () => {
    const id = d.name === 'wecom' ? '123' : `genuine-${d.name}-1`;
    const before = await effects(t().db);
    const res = await s.post(d.message('zhangsan', '/帮助', id));
    expect(res.statusCode).toBe(200);
    // What the message became: its platform, its id as the event key, and the sender of the right tenant.
    const rows = await queryRows<{ platform: string; sender_key: string }>(t().db, sql`select platform, sender_key from inbound_events where event_key = ${id}`);
    expect(rows).toEqual([{ platform: d.name, sender_key: `${d.name}:${d.tenantKey}:${d.pid('zhangsan')}` }]);
    await s.app.settle();
    // It reached the inbox: the refusals' "nothing written" is measured on the same tables.
    expect(changed(before, await effects(t().db)).inbound_events).toBe(1);
    // And it ran: the sender got the help text through the platform's API.
    expect(s.textsTo('zhangsan').join('\n')).toContain('/新客户');
    const [user] = await queryRows<{ name: string }>(t().db, sql`select u.name from users u join user_identities i on i.user_id = u.id where i.platform_user_id = ${d.pid('zhangsan')}`);
    expect(user).toEqual({ name: d.nameOf('zhangsan') });
  });

  /** The rows a request could write, the inbox and the replies included, and DingTalk's sign ledger. */
  const rows = async () => ({
    ...(await effects(t().db)),
    ...Object.fromEntries(
      await Promise.all(['outbox', 'dingtalk_signatures'].map(async (table) => [table, (await queryRows<{ n: number }>(t().db, sql.raw(`select count(*)::int as n from ${table}`)))[0]!.n])),
    ),
  });

  it(`keeps the window narrow: a message signed 5 s outside ±${d.windowSec} s is refused, 5 s inside is accepted`, async () => {
    const before = await rows();
    for (const at of [-d.windowSec - 5, d.windowSec + 5]) expect((await s.post(d.message('lisi', '/帮助', `window-out-${d.name}${at}`, at))).statusCode, `${at} s`).toBe(401);
    await s.app.settle();
    expect(await rows()).toEqual(before);
    for (const at of [-d.windowSec + 5, d.windowSec - 5]) {
      const id = d.name === 'wecom' ? `77000000000000${at + 1000}` : `window-in-${d.name}${at}`;
      expect((await s.post(d.message('lisi', '/帮助', id, at))).statusCode, `${at} s`).toBe(200);
      expect(await queryRows(t().db, sql`select platform from inbound_events where event_key = ${id}`)).toEqual([{ platform: d.name }]);
    }
    await s.app.settle();
  });

  it('accepts the very same signed request again as a platform retry, and changes nothing the second time', async () => {
    const req = d.message('lisi', '/帮助', d.name === 'wecom' ? '7700000000000000001' : `retry-${d.name}-1`);
    expect((await s.post(req)).statusCode).toBe(200);
    await s.app.settle();
    const before = await rows();
    const sent = s.apiCalls();
    expect((await s.post(req)).statusCode).toBe(200);
    await s.app.settle();
    expect(await rows()).toEqual(before);
    expect(s.apiCalls()).toBe(sent);
  });

  it(`a captured signature carrying another body under the same message id writes nothing (${d.can.signCoversBody ? 'refused: the signature covers the body' : 'a retry of that message: the sign covers only the timestamp'})`, async () => {
    const id = d.name === 'wecom' ? '7700000000000000002' : `captured-${d.name}-1`;
    const genuine = d.message('lisi', '/帮助', id);
    expect((await s.post(genuine)).statusCode).toBe(200);
    await s.app.settle();
    const before = await rows();
    // The admin's identity and an admin-only command, under the message id the genuine request carried.
    const forged = d.message('admin1', `/设置 角色 ${d.ref('lisi')} 管理员`, id);
    for (const replayed of d.captured(genuine, forged)) expect((await s.post(replayed)).statusCode).toBe(d.can.signCoversBody ? 401 : 200);
    await s.app.settle();
    expect(await rows()).toEqual(before);
  });
});
