// The digest's chart picture around the once-a-day claim, on real rows: the text digests commit with the claim before
// the picture is drawn (so nothing but the text depends on the claim, and a crash or a failed draw still sends the
// text); a draw that fails is logged with its team and leaves no picture row; an instance that loses the claim draws
// nothing. And the public address from the environment reaching the digest through the production app's scheduler.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, eq, like } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import type { Card, CardChart } from '../../cards/model.js';
import type { OutboundMessage } from '../../src/adapter.js';
import { takeMailbox } from '../../bots/console/mailbox.js';
import { outbox, teamChats, teams, tenants, users } from '../../src/db/schema/index.js';
import { renderChartPng } from '../../src/documents/digest-chart.js';
import { runDailyDigests, type DigestOptions } from '../../src/scheduler/daily-digest.js';
import { createChat, entryText } from '../helpers/chat.js';
import { createClock } from '../helpers/clock.js';
import { testDriver, useTestDb } from '../helpers/db.js';
import { pngSize } from '../helpers/png.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

describe(`digest picture and the daily claim (${testDriver()})`, () => {
  const t = useTestDb();
  const clock = createClock('2026-11-25T09:00:00+08:00'); // a Wednesday morning, after the digest hour

  /** A team with a WeCom robot, a DingTalk group and a Feishu group chat. */
  async function team(name: string) {
    const { db } = t();
    const chat = createChat(t(), { now: clock.now });
    await chat.say(`${name}经理`, '/帮助', { role: 'manager' });
    const [manager] = await db.select().from(users).where(eq(users.name, `${name}经理`));
    const [row] = await db.insert(teams).values({ tenantId: manager!.tenantId, name, managerId: manager!.id }).returning();
    await db.insert(teamChats).values([
      { teamId: row!.id, platform: 'wecom', chatId: '华南群' },
      { teamId: row!.id, platform: 'dingtalk', chatId: 'cidSouth1' },
      { teamId: row!.id, platform: 'feishu', chatId: 'oc_south1' },
    ]);
    return row!;
  }
  /** The team's digest rows (the tests share one database), in queue order. */
  const digestRows = async (teamId: string) =>
    (await t().db.select().from(outbox).where(like(outbox.dedupKey, `digest%:${teamId}:%`)).orderBy(outbox.id)).map((r) => ({
      id: r.id,
      platform: r.platform,
      key: r.dedupKey!.split(':')[0],
      message: (r.payload as { message: OutboundMessage }).message,
    }));

  it('sends the text digest alone when the picture cannot be drawn, and logs why with the team', async () => {
    const row = await team('华南销售部');
    const errors: Array<{ obj: Record<string, unknown>; msg?: string }> = [];
    const opts: DigestOptions = {
      log: { error: (obj, msg) => void errors.push({ obj: obj as Record<string, unknown>, ...(msg ? { msg } : {}) }) },
      drawChart: async () => {
        throw new Error('resvg: SVG data parsing failed');
      },
    };
    expect((await runDailyDigests(t().db, clock.now(), 'a', opts)).teams).toBe(1);

    const rows = await digestRows(row.id);
    expect(rows.map((r) => [r.platform, r.key, r.message.type]).sort()).toEqual([
      ['dingtalk', 'digest', 'card'],
      ['feishu', 'digest', 'card'],
      ['wecom', 'digest', 'card'],
    ]);
    expect((rows.find((r) => r.platform === 'wecom')!.message as { card: Card }).card.title).toContain('华南销售部 每日战报 2026-11-25');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.msg).toBe('digest chart not drawn; the text digest goes alone');
    expect(errors[0]!.obj).toMatchObject({ teamId: row.id, tenantId: row.tenantId, date: '2026-11-25' });
    expect((errors[0]!.obj.err as Error).message).toBe('resvg: SVG data parsing failed');

    // The day is claimed: a later run neither resends the text nor tries the picture again.
    let draws = 0;
    expect((await runDailyDigests(t().db, clock.now(), 'a', { drawChart: async () => ((draws += 1), { png: Buffer.alloc(0) }) })).teams).toBe(0);
    expect(draws).toBe(0);
    expect(await digestRows(row.id)).toHaveLength(3);
  });

  it('commits the claim and the text before the picture is drawn, then queues the picture after its text', async () => {
    const row = await team('西南销售部');
    let release!: () => void;
    let drawing!: () => void;
    const drawStarted = new Promise<void>((r) => (drawing = r));
    const gate = new Promise<void>((r) => (release = r));
    const drawn: string[] = [];
    const run = runDailyDigests(t().db, clock.now(), 'a', {
      drawChart: async (chart: CardChart, title: string) => {
        drawn.push(title);
        drawing();
        await gate; // a crash here would leave exactly what the database holds now
        return renderChartPng(chart, title);
      },
    });
    await drawStarted;
    // While the picture is being drawn: the day is claimed and every chat's text is queued (committed), no picture.
    const before = await digestRows(row.id);
    expect(before.map((r) => r.message.type)).toEqual(['card', 'card', 'card']);
    const another = await runDailyDigests(t().db, clock.now(), 'b', { drawChart: async () => { throw new Error('must not draw'); } });
    expect(another.teams).toBe(0);
    release();
    expect((await run).teams).toBe(1);
    expect(drawn).toEqual(['西南销售部 每日战报 2026-11-25']);

    const rows = await digestRows(row.id);
    // Feishu: the card with its native chart, no picture. WeCom and DingTalk: the card without the chart, then the picture.
    expect(rows.filter((r) => r.platform === 'feishu').map((r) => r.message.type)).toEqual(['card']);
    expect((rows.find((r) => r.platform === 'feishu')!.message as { card: Card }).card.chart).toBeDefined();
    for (const platform of ['wecom', 'dingtalk']) {
      const mine = rows.filter((r) => r.platform === platform);
      expect(mine.map((r) => `${r.key}/${r.message.type}`)).toEqual(['digest/card', 'digest-chart/image']);
      expect(mine[0]!.id).toBeLessThan(mine[1]!.id); // queue order: the text goes first
      expect((mine[0]!.message as { card: Card }).card.chart).toBeUndefined();
      expect(pngSize(Buffer.from((mine[1]!.message as { base64: string }).base64, 'base64'))).toEqual({ width: 1080, height: 780 });
    }
  });

  it('draws nothing in an instance that loses the day to another running at the same time', async () => {
    const row = await team('西北销售部');
    const draws = { a: 0, b: 0 };
    const counting = (k: 'a' | 'b'): DigestOptions => ({
      drawChart: async (chart, title) => {
        draws[k] += 1;
        return renderChartPng(chart, title);
      },
    });
    const [a, b] = await Promise.all([runDailyDigests(t().db, clock.now(), 'a', counting('a')), runDailyDigests(t().db, clock.now(), 'b', counting('b'))]);
    expect(a.teams + b.teams).toBe(1);
    // Only the winner drew, once.
    expect(draws.a + draws.b).toBe(1);
    expect(a.teams === 1 ? draws.a : draws.b).toBe(1);
    const rows = await digestRows(row.id);
    expect(rows.map((r) => `${r.platform}/${r.message.type}`).sort()).toEqual(['dingtalk/card', 'dingtalk/image', 'feishu/card', 'wecom/card', 'wecom/image']);
  });
});

describe(`digest link from CHATCRM_PUBLIC_URL through the production app's scheduler (${testDriver()})`, () => {
  const t = useTestDb();
  const clock = createClock('2026-11-25T08:30:00+08:00');

  it('links every team digest to the dashboard under the configured public address', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'chatcrm-digest-link-'));
    let app: TestServer | undefined;
    try {
      app = await startTestServer(t(), { DATA_DIR: dataDir, CHATCRM_PUBLIC_URL: 'https://crm.factory.example.cn/' }, { now: clock.now, scheduler: true });
      const { db } = t();
      const [tenant] = await db.select().from(tenants);
      const [manager] = await db.insert(users).values({ tenantId: tenant!.id, name: '链经理', role: 'manager' }).returning();
      const [row] = await db.insert(teams).values({ tenantId: tenant!.id, name: '华北销售部', managerId: manager!.id }).returning();
      await db.update(users).set({ teamId: row!.id }).where(eq(users.id, manager!.id));
      await db.insert(teamChats).values([{ teamId: row!.id, platform: 'console', chatId: '华北群' }]);

      // Before the digest hour (08:00 in the tenant's zone) the tick sends nothing; at 08:30 it sends the digest.
      clock.set('2026-11-25T07:30:00+08:00');
      await app.background.tick();
      expect(await db.select().from(outbox).where(like(outbox.dedupKey, 'digest%'))).toHaveLength(0);
      clock.set('2026-11-25T08:30:00+08:00');
      await app.background.tick();

      const rows = await db.select().from(outbox).where(and(eq(outbox.platform, 'console'), like(outbox.dedupKey, 'digest%'))).orderBy(outbox.id);
      expect(rows.map((r) => (r.payload as { message: OutboundMessage }).message.type)).toEqual(['card', 'image']);
      const card = ((rows[0]!.payload as { message: OutboundMessage }).message as { card: Card }).card;
      // The console has no platform sign-in: the plain dashboard page, under the configured address (no double slash).
      expect(card.link).toEqual({ label: '打开销售看板，查看详情', url: 'https://crm.factory.example.cn/app' });
      expect(card.title).toContain('华北销售部 每日战报 2026-11-25');
      // Delivered by the app's console lane: the text with the link, then the picture.
      await app.settle();
      const group = takeMailbox(join(dataDir, 'console'), '华北群');
      expect(group.map((g) => (g.kind === 'message' ? g.message.type : g.kind))).toEqual(['card', 'image']);
      expect(entryText(group[0]!)).toContain('打开销售看板，查看详情：https://crm.factory.example.cn/app');
    } finally {
      await app?.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
