// A team digest delivered by the production app (src/compose.ts) to WeCom's group robot and a DingTalk group, against
// the fake APIs: the text goes first and arrives with its dashboard link even while the chart picture's upload fails
// (5xx); the picture is retried on its own row and arrives later.
import { and, eq, like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outbox, teamChats, teams, tenants, users } from '../../src/db/schema/index.js';
import { publicUrlOf } from '../../src/compose.js';
import { runDailyDigests } from '../../src/scheduler/daily-digest.js';
import { startFakeDingtalk, type FakeDingtalk } from '../fakes/dingtalk-api.js';
import { startFakeWecom, type FakeWecom } from '../fakes/wecom-api.js';
import { TEST_DINGTALK } from '../bots/dingtalk/sign.js';
import { TEST_WECOM } from '../bots/wecom/sign.js';
import { createClock } from '../helpers/clock.js';
import { testDriver, useTestDb } from '../helpers/db.js';
import { pngSize } from '../helpers/png.js';
import { dingtalkEnv, startTestServer, wecomEnv, type TestServer } from '../helpers/server.js';

describe(`digest text and chart picture through the outbox (${testDriver()})`, () => {
  const t = useTestDb();
  let wecom: FakeWecom;
  let dingtalk: FakeDingtalk;
  let app: TestServer;
  const clock = createClock('2026-11-25T09:00:00+08:00'); // a Wednesday morning, after the digest hour

  beforeAll(async () => {
    wecom = await startFakeWecom({ corpId: TEST_WECOM.corpId, secret: TEST_WECOM.secret, agentId: TEST_WECOM.agentId, webhookKeys: ['robot-key-1'] });
    dingtalk = await startFakeDingtalk({ appKey: TEST_DINGTALK.clientId, appSecret: TEST_DINGTALK.clientSecret, robotCode: TEST_DINGTALK.robotCode });
    app = await startTestServer(t(), { ...wecomEnv(wecom.baseUrl), ...dingtalkEnv(dingtalk.baseUrl), CHATCRM_PUBLIC_URL: 'https://crm.example.cn/' }, { now: clock.now });
  });
  afterAll(async () => {
    await app?.close();
    await wecom?.close();
    await dingtalk?.close();
  });

  it('delivers the text while the picture upload fails, then the picture on retry', async () => {
    const { db } = t();
    const [tenant] = await db.select().from(tenants);
    const [manager] = await db.insert(users).values({ tenantId: tenant!.id, name: '送经理', role: 'manager' }).returning();
    const [team] = await db.insert(teams).values({ tenantId: tenant!.id, name: '华东销售部', managerId: manager!.id }).returning();
    await db.update(users).set({ teamId: team!.id }).where(eq(users.id, manager!.id));
    await db.insert(teamChats).values([
      { teamId: team!.id, platform: 'wecom', chatId: '华东群' },
      { teamId: team!.id, platform: 'dingtalk', chatId: 'cidGroup1' },
    ]);

    wecom.failImages(1);
    dingtalk.failImages(1);
    expect((await runDailyDigests(db, clock.now(), 'a', { publicUrl: publicUrlOf(app.env) })).teams).toBe(1);
    await app.settle();

    // The text arrived on both, with the platform's sign-in link; no picture yet.
    const hooks = wecom.received.filter((r) => r.path === '/cgi-bin/webhook/send').map((r) => r.body as any);
    const markdown = hooks.filter((b) => b.msgtype === 'markdown');
    expect(markdown).toHaveLength(1);
    expect(markdown[0].markdown.content).toContain('华东销售部 每日战报 2026-11-25');
    expect(markdown[0].markdown.content).toContain('(https://crm.example.cn/app/auth/wecom)');
    const ding = dingtalk.sends().filter((s) => s.body.msgKey === 'sampleMarkdown');
    expect(ding).toHaveLength(1);
    expect(JSON.parse(ding[0]!.body.msgParam).text).toContain('(https://crm.example.cn/app/auth/dingtalk)');
    expect(wecom.images).toHaveLength(0);
    expect(dingtalk.images).toHaveLength(0);
    const waiting = await db.select().from(outbox).where(and(like(outbox.dedupKey, 'digest-chart:%')));
    expect(waiting.map((r) => [r.platform, r.status, r.attempts])).toEqual(
      expect.arrayContaining([['wecom', 'pending', 1], ['dingtalk', 'pending', 1]]),
    );
    expect(waiting).toHaveLength(2);

    // After the backoff the picture goes, once each.
    clock.advanceHours(0.1);
    await app.settle();
    expect(wecom.images.map((i) => i.to)).toEqual(['webhook:robot-key-1']);
    expect(dingtalk.images.map((i) => i.to)).toEqual(['cidGroup1']);
    expect(pngSize(wecom.images[0]!.bytes)).toEqual({ width: 1080, height: 780 });
    expect(dingtalk.images[0]!.bytes.equals(wecom.images[0]!.bytes)).toBe(true);
    expect((await db.select().from(outbox).where(like(outbox.dedupKey, 'digest%'))).every((r) => r.status === 'sent')).toBe(true);
    expect(wecom.received.filter((r) => r.path === '/cgi-bin/webhook/send' && (r.body as any).msgtype === 'markdown')).toHaveLength(1);
  });
});
