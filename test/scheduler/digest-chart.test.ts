// The digest's chart and dashboard link through the scheduler, on real rows: the week's trend counted per day, the
// Feishu card (JSON 2.0) carrying chart components with the digest's own numbers, and for every other platform the
// text card followed by its chart as a PNG — each a row of its own, so a picture never holds back the text.
import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { renderFeishuCard } from '../../cards/feishu/render.js';
import { renderWecomMarkdown } from '../../cards/wecom/render.js';
import { renderDingtalkMessage } from '../../cards/dingtalk/render.js';
import type { Card } from '../../cards/model.js';
import type { OutboundMessage } from '../../src/adapter.js';
import { outbox, teamChats, teams, users } from '../../src/db/schema/index.js';
import { runDailyDigests } from '../../src/scheduler/daily-digest.js';
import { buildTeamDigest } from '../../src/services/digests.js';
import { updateSettings } from '../../src/services/settings.js';
import { toActor } from '../../src/services/users.js';
import { createChat, entryText } from '../helpers/chat.js';
import { createClock } from '../helpers/clock.js';
import { testDriver, useTestDb } from '../helpers/db.js';
import { pngSize } from '../helpers/png.js';

const PUBLIC = 'https://crm.example.cn';

describe(`digest charts and the dashboard link (${testDriver()})`, () => {
  const t = useTestDb();

  it('counts the week per day and sends the same numbers as a Feishu chart and as a picture elsewhere', async () => {
    const { db } = t();
    const clock = createClock('2026-11-18T10:00:00+08:00'); // Wednesday
    const chat = createChat(t(), { now: clock.now });
    await chat.say('图管理员', '/帮助', { role: 'admin' });
    await chat.say('图经理', '/帮助', { role: 'manager' });
    await chat.say('图销售', '/帮助');
    await chat.say('图管理员', '/设置 上级 图销售 图经理');
    const [admin] = await db.select().from(users).where(eq(users.name, '图管理员'));
    await updateSettings({ db, actor: toActor(admin!), now: clock.now(), timeZone: 'Asia/Shanghai' }, { pipeline: { exitCriteria: { enterWon: { requireApprovedQuote: false } } } });
    // A team name that must stay text everywhere: in the card, the SVG and the picture.
    const [team] = await db.insert(teams).values({ tenantId: admin!.tenantId, name: '华东<script>&部' }).returning();
    for (const n of ['图经理', '图销售']) await db.update(users).set({ teamId: team!.id }).where(eq(users.name, n));
    await db.insert(teamChats).values([
      { teamId: team!.id, platform: 'console', chatId: '图表群' },
      { teamId: team!.id, platform: 'feishu', chatId: 'oc_chart1' },
      { teamId: team!.id, platform: 'wecom', chatId: '华东群' },
      { teamId: team!.id, platform: 'dingtalk', chatId: 'cidChart1' },
    ]);

    // 11-18: two customers, two deals, one follow-up.  11-20: a follow-up.  11-23: a new deal, the big one won.
    await chat.say('图销售', '/新客户 图一机械 13300000011');
    await chat.say('图销售', '/新客户 图二机械 13300000012');
    const big = /D-\d+/.exec((await chat.say('图销售', '/新商机 图一机械 大单 10万')).text)![0];
    await chat.say('图销售', '/新商机 图二机械 小单 2万');
    await chat.say('图销售', `/跟进 ${big} 拜访 下一步:出方案`);
    clock.set('2026-11-20T15:00:00+08:00');
    await chat.say('图销售', `/跟进 ${big} 电话 下一步:报价`);
    clock.set('2026-11-23T11:00:00+08:00');
    await chat.say('图销售', '/新商机 图二机械 中单 3万');
    for (const stage of ['初访', '方案', '报价', '签约']) expect((await chat.say('图销售', `/推进 ${big} ${stage}`)).text).not.toContain('不能');

    clock.set('2026-11-25T08:30:00+08:00'); // Wednesday: the week is 11-18 … 11-24
    const digest = await buildTeamDigest(db, { id: team!.id, name: team!.name, tenantId: team!.tenantId }, clock.now(), 'Asia/Shanghai', 48);
    expect(digest.trend.map((d) => d.date)).toEqual(['2026-11-18', '2026-11-19', '2026-11-20', '2026-11-21', '2026-11-22', '2026-11-23', '2026-11-24']);
    const row = (date: string) => digest.trend.find((d) => d.date === date);
    expect(row('2026-11-18')).toEqual({ date: '2026-11-18', newDeals: 2, followUps: 1, won: 0 });
    expect(row('2026-11-20')).toEqual({ date: '2026-11-20', newDeals: 0, followUps: 1, won: 0 });
    expect(row('2026-11-23')).toEqual({ date: '2026-11-23', newDeals: 1, followUps: 0, won: 1 });
    expect(digest.trend.reduce((a, d) => a + d.newDeals + d.followUps + d.won, 0)).toBe(6);

    expect((await runDailyDigests(db, clock.now(), 'a', { publicUrl: PUBLIC })).teams).toBe(1);
    const rows = await db.select().from(outbox).where(and(eq(outbox.tenantId, team!.tenantId))).orderBy(outbox.id); // queue order
    const sent = (platform: string) =>
      rows.filter((r) => r.platform === platform && (r.dedupKey ?? '').startsWith('digest')).map((r) => (r.payload as { message: OutboundMessage }).message);

    // Feishu: one card, JSON 2.0, the two charts with the digest's pipeline and trend; no picture.
    const feishu = sent('feishu');
    expect(feishu.map((m) => m.type)).toEqual(['card']);
    const json = renderFeishuCard((feishu[0] as { card: Card }).card) as any;
    expect(json.schema).toBe('2.0');
    const charts = json.body.elements.filter((e: any) => e.tag === 'chart');
    expect(charts).toHaveLength(2);
    expect(charts[0].chart_spec.type).toBe('bar');
    expect(charts[0].chart_spec.data.values.map((v: any) => v.count)).toEqual(digest.pipeline.map((p) => p.count));
    expect(charts[0].chart_spec.data.values.map((v: any) => v.stage)).toEqual(['线索', '初访', '方案', '报价']);
    const line = charts[1].chart_spec;
    expect(line.type).toBe('line');
    expect(line.data.values.filter((v: any) => v.series === '新商机').map((v: any) => v.value)).toEqual(digest.trend.map((d) => d.newDeals));
    expect(line.data.values.filter((v: any) => v.series === '跟进').map((v: any) => v.value)).toEqual(digest.trend.map((d) => d.followUps));
    expect(line.data.values.filter((v: any) => v.series === '签约').map((v: any) => v.value)).toEqual(digest.trend.map((d) => d.won));
    expect(JSON.stringify(json)).toContain(`(${PUBLIC}/app/auth/feishu)`);
    // The team name is escaped in Feishu markdown and plain in the header.
    expect(json.header.title.content).toContain('华东<script>&部');

    // WeCom and DingTalk: the text card (with its sign-in link), then the same chart as a picture.
    for (const platform of ['wecom', 'dingtalk'] as const) {
      const msgs = sent(platform);
      expect(msgs.map((m) => m.type)).toEqual(['card', 'image']);
      const card = (msgs[0] as { card: Card }).card;
      expect(card.chart).toBeUndefined();
      expect(card.link).toEqual({ label: '打开销售看板，查看详情', url: `${PUBLIC}/app/auth/${platform}` });
      const text = platform === 'wecom' ? renderWecomMarkdown(card, 4096) : renderDingtalkMessage(card).msgParam.text!;
      expect(text).toContain(`](${PUBLIC}/app/auth/${platform})`);
      expect(text).not.toContain('<script>');
      const image = msgs[1] as Extract<OutboundMessage, { type: 'image' }>;
      expect(image).toMatchObject({ mimeType: 'image/png', fileName: '战报-2026-11-25.png' });
      expect(pngSize(Buffer.from(image.base64, 'base64'))).toEqual({ width: 1080, height: 780 });
    }
    expect((sent('wecom')[1] as { base64: string }).base64).toBe((sent('dingtalk')[1] as { base64: string }).base64);

    // The console: the card with the plain dashboard address, then the picture, saved as a file.
    const group = await chat.inbox('图表群');
    expect(group.map((g) => (g.kind === 'message' ? g.message.type : g.kind))).toEqual(['card', 'image']);
    expect(entryText(group[0]!)).toContain(`打开销售看板，查看详情：${PUBLIC}/app`);
    expect(entryText(group[0]!)).not.toContain('/app/auth');
    const saved = group[1]!;
    if (saved.kind !== 'message' || !saved.savedAs) throw new Error('expected a saved picture');
    const { readFileSync } = await import('node:fs');
    expect(pngSize(readFileSync(saved.savedAs))).toEqual({ width: 1080, height: 780 });

    // Without a public address (a direct call): no link, the rest the same.
    clock.set('2026-11-26T08:30:00+08:00');
    await runDailyDigests(db, clock.now(), 'a');
    const next = await chat.inbox('图表群');
    expect(next.map((g) => (g.kind === 'message' ? g.message.type : g.kind))).toEqual(['card', 'image']);
    expect(entryText(next[0]!)).not.toContain('打开销售看板');
  });
});
