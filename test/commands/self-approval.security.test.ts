// Nobody decides their own request: a step whose role holder is the requester goes up the reporting line (then to
// an admin), the card says so, and the requester cannot decide it even by typing the command.
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import type { MailboxEntry } from '../../bots/console/mailbox.js';
import { renderConsoleCard } from '../../cards/console/render.js';
import type { Card } from '../../cards/model.js';
import { approvalRequests, approvalSteps, users } from '../../src/db/schema/index.js';
import { createChat, type Chat } from '../helpers/chat.js';
import { testDriver, useTestDb } from '../helpers/db.js';

const cardIn = (entries: MailboxEntry[]): Card | undefined => {
  const e = entries.find((x) => x.kind === 'message' && x.message.type === 'card');
  return e && e.kind === 'message' && e.message.type === 'card' ? e.message.card : undefined;
};

describe(`self-approval is rerouted (${testDriver()})`, () => {
  const t = useTestDb();
  let chat: Chat;
  const idOf = async (name: string) => (await t().db.select().from(users).where(eq(users.name, name)))[0]!.id;
  const stepsOf = async (requester: string) => {
    const [r] = await t().db.select().from(approvalRequests).where(eq(approvalRequests.requesterId, await idOf(requester)));
    return t().db.select().from(approvalSteps).where(eq(approvalSteps.requestId, r!.id));
  };
  const dealOf = async (who: string, customer: string) => {
    await chat.say(who, `/新客户 ${customer} 1310000${Math.floor(1000 + Math.random() * 8999)}`);
    return /D-\d+/.exec((await chat.say(who, `/新商机 ${customer} 项目 5万`)).text)![0];
  };

  beforeAll(async () => {
    chat = createChat(t());
    await chat.say('管理员', '/帮助', { role: 'admin' });
    await chat.say('王总监', '/帮助', { role: 'director' });
    await chat.say('钱财务', '/帮助', { role: 'finance' });
    await chat.say('孙技术', '/帮助', { role: 'tech' });
    await chat.say('吴经理', '/帮助', { role: 'manager' });
    await chat.say('陈总', '/帮助', { role: 'manager' });
    await chat.say('管理员', '/设置 上级 王总监 陈总');
    await chat.say('管理员', '/设置 上级 吴经理 王总监');
    for (const n of ['管理员', '王总监', '钱财务', '孙技术', '吴经理', '陈总']) await chat.inbox(n);
  });

  it('director: a 20% discount by the director goes to the director\'s manager, and the card says so', async () => {
    const deal = await dealOf('王总监', '总监客户');
    const asked = await chat.say('王总监', `/报价 ${deal} 4万 20%`);
    expect(asked.text).toMatch(/已提交报价审批 A-\d+/);
    const approval = /A-\d+/.exec(asked.text)![0];
    const [step] = await stepsOf('王总监');
    expect(step).toMatchObject({ role: 'director', approverId: await idOf('陈总'), reroutedFromId: await idOf('王总监') });
    expect(cardIn(await chat.inbox('王总监'))).toBeUndefined();
    const card = cardIn(await chat.inbox('陈总'))!;
    expect(renderConsoleCard(card)).toContain('王总监 是申请人，本步改由 陈总 审批');
    // Typing the command does not get round it.
    const self = await chat.say('王总监', `/批准 ${approval}`);
    expect(self.text).toContain('不能自己审批');
    expect((await stepsOf('王总监')).every((s) => s.status === 'pending')).toBe(true);
  });

  it('finance: finance\'s own 20万 quote has no finance step for finance; without a manager it goes to an admin', async () => {
    const deal = await dealOf('钱财务', '财务客户');
    const asked = await chat.say('钱财务', `/报价 ${deal} 20万`);
    expect(asked.text).toMatch(/已提交报价审批 A-\d+/);
    const steps = await stepsOf('钱财务');
    const finance = steps.find((s) => s.role === 'finance')!;
    expect(finance).toMatchObject({ approverId: await idOf('管理员'), reroutedFromId: await idOf('钱财务') });
    expect(steps.find((s) => s.role === 'tech')).toMatchObject({ approverId: await idOf('孙技术'), reroutedFromId: null });
    const self = await idOf('钱财务');
    expect(steps.some((s) => s.approverId === self)).toBe(false);
    expect(renderConsoleCard(cardIn(await chat.inbox('管理员'))!)).toContain('钱财务 是申请人，本步改由 管理员 审批');
  });

  it('tech: tech\'s own large quote sends the tech step to an admin too', async () => {
    const deal = await dealOf('孙技术', '技术客户');
    await chat.say('孙技术', `/报价 ${deal} 20万`);
    const tech = (await stepsOf('孙技术')).find((s) => s.role === 'tech')!;
    expect(tech).toMatchObject({ approverId: await idOf('管理员'), reroutedFromId: await idOf('孙技术') });
  });

  it('manager: a manager\'s own small quote goes to their manager, never to themselves', async () => {
    const deal = await dealOf('吴经理', '经理客户');
    await chat.say('吴经理', `/报价 ${deal} 1万`);
    const [step] = await stepsOf('吴经理');
    expect(step).toMatchObject({ role: 'manager', approverId: await idOf('王总监'), reroutedFromId: null });
  });
});

describe(`an approver may view what waits for them, nothing else (${testDriver()})`, () => {
  const t = useTestDb();
  let chat: Chat;

  it('finance sees the deal and customer of a request waiting for them, not the rep\'s other deals or customers', async () => {
    chat = createChat(t());
    await chat.say('管理员', '/帮助', { role: 'admin' });
    await chat.say('钱财务', '/帮助', { role: 'finance' });
    await chat.say('孙技术', '/帮助', { role: 'tech' });
    await chat.say('郑销售', '/帮助');
    await chat.say('郑销售', '/新客户 嘉兴紧固件 13100008888');
    const d = /D-\d+/.exec((await chat.say('郑销售', '/新商机 嘉兴紧固件 螺栓年单 30万')).text)![0];
    const other = /D-\d+/.exec((await chat.say('郑销售', '/新商机 嘉兴紧固件 秘密二期 9万')).text)![0];
    await chat.say('郑销售', '/新客户 湖州另一家 13100009999');
    expect((await chat.say('钱财务', `/查看 ${d}`)).text).not.toContain('螺栓年单');
    await chat.say('郑销售', `/报价 ${d} 30万`);

    const shown = (await chat.say('钱财务', `/查看 ${d}`)).text;
    expect(shown).toContain('嘉兴紧固件');
    expect(shown).toContain('螺栓年单');
    expect(shown).not.toContain('秘密二期');
    expect((await chat.say('钱财务', `/查看 ${other}`)).text).not.toContain('秘密二期');
    expect((await chat.say('钱财务', '/查看 湖州另一家')).text).not.toContain('13100009999');
    // Viewing is not changing.
    expect((await chat.say('钱财务', `/跟进 ${d} 电话 顺便改一下`)).text).toMatch(/无法操作|不属于你/);
  });
});
