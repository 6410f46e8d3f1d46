// `/设置 战报 本群 [团队名]` and `/设置 战报 关`: a group chat bound to a team from the chat, through the dispatch.
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { auditLog, teamChats, teams, users } from '../../src/db/schema/index.js';
import { runDailyDigests } from '../../src/scheduler/daily-digest.js';
import { createChat } from '../helpers/chat.js';
import { createClock } from '../helpers/clock.js';
import { testDriver, useTestDb } from '../helpers/db.js';

// The tests of this file share one database: each starts from no teams and its own day.
describe(`digest switched on from the group chat (${testDriver()})`, () => {
  const t = useTestDb();
  const days = ['2026-11-23', '2026-11-24', '2026-11-25', '2026-11-26']; // Monday to Thursday: each digest falls on a workday
  let day = '';

  async function setup() {
    const { db } = t();
    await db.delete(teamChats);
    await db.update(users).set({ teamId: null });
    await db.delete(teams);
    await db.delete(auditLog);
    day = days.shift()!;
    const clock = createClock(`${day}T10:00:00+08:00`);
    const chat = createChat(t(), { now: clock.now });
    await chat.say('管理员', '/帮助', { role: 'admin' });
    await chat.say('李经理', '/帮助', { role: 'manager' });
    await chat.say('张三', '/帮助');
    await chat.say('王五', '/帮助');
    await chat.say('管理员', '/设置 上级 张三 李经理');
    await chat.say('管理员', '/设置 上级 王五 李经理');
    return { db, clock, chat };
  }

  it('binds the group to a new team of the manager and their reports; the digest then reaches the group', async () => {
    const { db, clock, chat } = await setup();
    const said = await chat.say('李经理', '/设置 战报 本群 华东销售部', { group: '华东群' });
    expect(said.text).toBe(''); // the reply went to the group, not to the manager privately
    const reply = (await chat.inbox('华东群')).map((e) => (e.kind === 'message' && e.message.type === 'text' ? e.message.text : '')).join('\n');
    expect(reply).toContain('已开启本群战报：「华东销售部」团队（新建）。');
    expect(reply).toContain('成员（3 人）：');
    for (const n of ['李经理', '张三', '王五']) expect(reply).toContain(n);
    expect(reply).toContain('每天（周六、周日除外） 08:00 左右发到本群');

    const [team] = await db.select().from(teams).where(eq(teams.name, '华东销售部'));
    const [manager] = await db.select().from(users).where(eq(users.name, '李经理'));
    expect(team!.managerId).toBe(manager!.id);
    const members = await db.select({ name: users.name }).from(users).where(eq(users.teamId, team!.id));
    expect(members.map((m) => m.name).sort()).toEqual(['张三', '李经理', '王五'].sort());
    expect(await db.select({ platform: teamChats.platform, chatId: teamChats.chatId }).from(teamChats)).toEqual([{ platform: 'console', chatId: '华东群' }]);
    expect((await db.select().from(auditLog).where(eq(auditLog.action, 'team.chat.bind'))).length).toBe(1);

    clock.set(`${day}T08:00:00+08:00`);
    clock.advanceHours(24);
    expect((await runDailyDigests(db, clock.now(), 'a')).teams).toBe(1);
    const group = await chat.inbox('华东群');
    const digest = group.find((e) => e.kind === 'message' && e.message.type === 'card');
    expect(digest && digest.kind === 'message' && digest.message.type === 'card' ? digest.message.card.title : '').toContain('华东销售部');
  });

  it('a retried message and the same command again change nothing twice', async () => {
    const { db, chat } = await setup();
    await chat.say('李经理', '/设置 战报 本群 华东销售部', { group: '华东群', eventKey: 'ev-bind-1' });
    await chat.say('李经理', '/设置 战报 本群 华东销售部', { group: '华东群', eventKey: 'ev-bind-1' });
    expect(await chat.inbox('华东群')).toHaveLength(1); // the retry is not answered again
    const again = await chat.say('李经理', '/设置 战报 本群', { group: '华东群' });
    expect(again.text).toBe('');
    const reply = await chat.inbox('华东群');
    expect(reply.map((e) => (e.kind === 'message' && e.message.type === 'text' ? e.message.text : '')).join('')).toContain('「华东销售部」团队。');
    expect(await db.select().from(teams)).toHaveLength(1);
    expect(await db.select().from(teamChats)).toHaveLength(1);
    expect((await db.select().from(auditLog).where(eq(auditLog.action, 'team.chat.bind'))).length).toBe(1);
  });

  it('turns the digest off for that chat only', async () => {
    const { db, clock, chat } = await setup();
    await chat.say('李经理', '/设置 战报 本群 华东销售部', { group: '华东群' });
    await chat.say('李经理', '/设置 战报 本群 华东销售部', { group: '经理群' });
    await chat.inbox('华东群');
    await chat.inbox('经理群');
    await chat.say('李经理', '/设置 战报 关', { group: '华东群' });
    const off = await chat.inbox('华东群');
    expect(off.map((e) => (e.kind === 'message' && e.message.type === 'text' ? e.message.text : '')).join('')).toContain('已关闭本群战报：「华东销售部」的战报不再发到本群');
    expect((await db.select({ chatId: teamChats.chatId }).from(teamChats)).map((c) => c.chatId)).toEqual(['经理群']);
    clock.set(`${day}T08:00:00+08:00`);
    clock.advanceHours(24);
    await runDailyDigests(db, clock.now(), 'a');
    expect(await chat.inbox('华东群')).toHaveLength(0);
    expect((await chat.inbox('经理群')).map((e) => (e.kind === 'message' ? e.message.type : e.kind))).toEqual(['card', 'image']); // the digest and its chart
    await chat.say('李经理', '/设置 战报 关', { group: '华东群' });
    const again = await chat.inbox('华东群');
    expect(again.map((e) => (e.kind === 'message' && e.message.type === 'text' ? e.message.text : '')).join('')).toContain('本群没有开启战报');
  });

  it('refuses a rep (role table, not the message) and explains the group rule in a private chat', async () => {
    const { db, chat } = await setup();
    await chat.say('张三', '/设置 战报 本群 张三的团队', { group: '华东群' });
    const refused = await chat.inbox('华东群');
    expect(refused.map((e) => (e.kind === 'message' && e.message.type === 'text' ? e.message.text : '')).join('')).toContain('只有销售经理、销售总监或管理员可以设置群战报');
    const direct = await chat.say('李经理', '/设置 战报 本群 华东销售部');
    expect(direct.text).toContain('请在团队的群聊里 @机器人 发送这条命令');
    expect(await db.select().from(teams)).toHaveLength(0);
    expect(await db.select().from(teamChats)).toHaveLength(0);
    const long = await chat.say('李经理', `/设置 战报 本群 ${'华'.repeat(65)}`, { group: '华东群' });
    expect(long.text).toBe('');
    const tooLong = await chat.inbox('华东群');
    expect(tooLong.map((e) => (e.kind === 'message' && e.message.type === 'text' ? e.message.text : '')).join('')).toContain('团队名最多 64 个字');
    expect(await db.select().from(teams)).toHaveLength(0);
  });
});
