import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { teamChats, teams, users } from '../../src/db/schema/index.js';
import { runDailyDigests } from '../../src/scheduler/daily-digest.js';
import { yesterdayWindow } from '../../src/services/digests.js';
import { createChat, entryText } from '../helpers/chat.js';
import { createClock } from '../helpers/clock.js';
import { testDriver, useTestDb } from '../helpers/db.js';

describe('the digest movement window', () => {
  it('reaches back over quiet days: a Monday covers Friday to Sunday', () => {
    const monday = yesterdayWindow(new Date('2026-12-07T08:00:00+08:00'), 'Asia/Shanghai', [6, 7]);
    expect(monday).toMatchObject({ from: new Date('2026-12-04T00:00:00+08:00'), to: new Date('2026-12-07T00:00:00+08:00'), days: 3 });
    const tuesday = yesterdayWindow(new Date('2026-12-08T08:00:00+08:00'), 'Asia/Shanghai', [6, 7]);
    expect(tuesday).toMatchObject({ from: new Date('2026-12-07T00:00:00+08:00'), days: 1 });
  });
});

describe(`a Monday digest counts the weekend (${testDriver()})`, () => {
  const t = useTestDb();
  it('reports a deal opened on Saturday in the Monday digest', async () => {
    const { db } = t();
    const clock = createClock('2026-12-05T10:00:00+08:00'); // Saturday
    const chat = createChat(t(), { now: clock.now });
    await chat.say('周经理', '/帮助', { role: 'manager' });
    const [m] = await db.select().from(users).where(eq(users.name, '周经理'));
    const [team] = await db.insert(teams).values({ tenantId: m!.tenantId, name: '周末组', managerId: m!.id }).returning();
    await db.update(users).set({ teamId: team!.id }).where(eq(users.id, m!.id));
    await db.insert(teamChats).values({ teamId: team!.id, platform: 'console', chatId: '周末群' });
    await chat.say('周经理', '/新客户 周末工厂 13600000001');
    await chat.say('周经理', '/新商机 周末工厂 阀门 1万');
    clock.set('2026-12-07T08:00:00+08:00');
    await runDailyDigests(db, clock.now(), 'a');
    const [digest] = (await chat.inbox('周末群')).map(entryText);
    expect(digest).toContain('近 3 天动态（自上次战报）');
    expect(digest).toContain('新商机 1');
  });
});
