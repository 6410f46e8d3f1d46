// Privilege boundaries through the chat commands, on every platform (WeCom, Feishu, DingTalk), each on its own fresh
// database and the real app: an admin speaks first (and so becomes the admin), then two sales reps A and B. B owns a
// customer and a deal. A tries to read and change B's deal with every command that takes a deal —
// /查看 D-n, /跟进 D-n …, /推进 D-n 方案, /输单 D-n 原因, /报价 D-n 5万 — and each attempt must be refused
// politely (a reply that leaks none of the deal's details) and change nothing (follow_ups, the deal row, quotes).
// Then B requests a quote approval; A, who is not an approver, clicks an approver's card (WeCom, Feishu) or types
// `/批准 A-n` / `/驳回 A-n` (every platform; on DingTalk the card button is exactly that typed command): the
// approval_steps are unchanged. Nobody deciding their own request is in test/bots/attacks.ts (self-approval).
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/rows.js';
import { testDriver, useTestDb } from '../helpers/db.js';
import { counts } from '../faults/harness.js';
import { eachPlatform, type Session } from './platforms.js';

// The deal's details that must never reach rep A.
const CUSTOMER = '乙方专属精工阀门有限公司';
const PHONE = '13955550001';
const TITLE = '乙方秘密项目 DN200 蝶阀';
const SECRET_NOTE = '乙方私下约了采购总监';

describe.each(eachPlatform)(`rep A cannot see or change rep B's deal on %s (${testDriver()})`, (_label, d) => {
  const t = useTestDb();
  let s: Session;
  let dealId = '';
  let approvalId = '';

  const say = async (user: string, text: string) => {
    const res = await s.say(user, text);
    expect(res.statusCode).toBe(200);
    await s.app.settle();
  };
  const replyTo = async (user: string, text: string) => {
    const before = s.sentTo(user).length;
    await say(user, text);
    return s.sentTo(user).slice(before).join('\n');
  };
  const dealRow = async () =>
    (await queryRows<Record<string, unknown>>(t().db, sql`select stage, amount_fen, lost_reason, closed_at, owner_id, stage_entered_at, updated_at from deals`))[0];
  const snapshot = async () => ({
    counts: await counts(t().db, ['follow_ups', 'quotes', 'approval_requests', 'approval_steps', 'deals', 'customers']),
    deal: await dealRow(),
    steps: await queryRows(t().db, sql`select id, status, decided_at from approval_steps order by id`),
    quotes: await queryRows(t().db, sql`select id, status from quotes order by id`),
  });
  /** A's reply must be a polite refusal that names none of the deal's details (beyond what A typed, echoed back). */
  const expectRefusal = (reply: string, typed = '') => {
    expect(reply).not.toBe('');
    for (const secret of [CUSTOMER, '精工阀门', PHONE, TITLE, '蝶阀', SECRET_NOTE, '20万', '200,000', '200000']) {
      if (!typed.includes(secret)) expect(reply).not.toContain(secret);
    }
  };

  beforeAll(async () => {
    s = await d.start(t());

    await say('admin1', '/帮助'); // the first person becomes the admin
    for (const u of ['销售甲', '销售乙', '李四', '王五', '赵六']) await say(u, '/help');
    await say('admin1', `/设置 角色 ${d.ref('李四')} 财务`);
    await say('admin1', `/设置 角色 ${d.ref('王五')} 技术`);
    await say('admin1', `/设置 角色 ${d.ref('赵六')} 总监`);
    expect(s.sentTo('admin1').join('\n')).toContain('角色设为「销售总监」');
    const roleOf = async (user: string) =>
      (await queryRows<{ role: string }>(t().db, sql`select u.role from users u join user_identities i on i.user_id = u.id where i.platform_user_id = ${d.pid(user)}`))[0]?.role;
    expect([await roleOf('admin1'), await roleOf('销售甲'), await roleOf('销售乙')]).toEqual(['admin', 'rep', 'rep']);

    expect(await replyTo('销售乙', `/新客户 ${CUSTOMER} ${PHONE} 宁波 阀门`)).toMatch(/已创建客户 C-\d+/);
    const created = await replyTo('销售乙', `/新商机 精工阀门 ${TITLE} 20万`);
    dealId = /D-\d+/.exec(created)![0];
    expect(await replyTo('销售乙', `/跟进 ${dealId} ${SECRET_NOTE} 下一步:出方案`)).not.toBe('');
    // B can see their own deal (the view the next tests must keep from A).
    expect(await replyTo('销售乙', `/查看 ${dealId}`)).toContain(CUSTOMER);
  });
  afterAll(async () => {
    await s?.close();
  });

  it.each([
    ['/查看 D', '查看'],
    ['/show D', 'show'],
    ['/跟进 D 我也去拜访了一下，客户说要降价', '跟进'],
    ['/log D 电话沟通', 'log'],
    ['/推进 D 方案', '推进'],
    ['/stage D 赢单', 'stage'],
    ['/输单 D 价格太高', '输单'],
    ['/lost D 被竞品截胡', 'lost'],
    ['/报价 D 5万', '报价'],
    ['/quote D 50000 5% 抢单', 'quote'],
  ])('A: %s → refused, nothing changes', async (command) => {
    const before = await snapshot();
    const reply = await replyTo('销售甲', command.replace(/^(\/\S+) D\b/, `$1 ${dealId}`));
    expectRefusal(reply);
    expect(reply).toMatch(/没有找到|不在你的名下|无权|没有权限/);
    expect(await snapshot()).toEqual(before);
  });

  it('A: the deal by its customer name or title → refused, nothing changes', async () => {
    const before = await snapshot();
    for (const cmd of [`/查看 ${CUSTOMER}`, '/查看 精工阀门', '/跟进 精工阀门 顺路拜访', `/报价 精工阀门 5万`, '/推进 精工阀门 方案']) {
      const reply = await replyTo('销售甲', cmd);
      expectRefusal(reply, cmd);
      expect(reply).toMatch(/没有找到|不在你的名下|无权|没有权限/);
    }
    expect(await snapshot()).toEqual(before);
  });

  it('B still owns an untouched deal: stage 线索, one follow-up, no quote', async () => {
    expect((await dealRow())!.stage).toBe('lead');
    expect(await counts(t().db, ['follow_ups', 'quotes'])).toEqual({ follow_ups: 1, quotes: 0 });
  });

  it('a non-approver cannot decide B\'s quote approval: typed /批准 and /驳回 change no approval step', async () => {
    expect(await replyTo('销售乙', `/推进 ${dealId} 方案`)).toMatch(/→ 方案/);
    const asked = await replyTo('销售乙', `/报价 ${dealId} 6万 8% 年度框架`);
    approvalId = /A-\d+/.exec(asked)![0];
    const before = await snapshot();
    expect(before.steps.length).toBeGreaterThan(0);
    for (const cmd of [`/批准 ${approvalId}`, `/approve ${approvalId} 可以`, `/同意 ${approvalId}`, `/驳回 ${approvalId} 太贵`, `/reject ${approvalId} 不行`]) {
      const reply = await replyTo('销售甲', cmd);
      expectRefusal(reply);
      expect(reply).toMatch(/不是审批|无法操作|没有找到/);
    }
    expect(await snapshot()).toEqual(before);
  });

  it('a non-approver clicking an approver\'s card (WeCom, Feishu) changes no approval step', async () => {
    expect(approvalId).toMatch(/^A-\d+$/);
    const before = await snapshot();
    if (d.can.cardClick) {
      for (const stranger of ['销售甲', '销售乙', 'admin1']) {
        const sentBefore = s.sentTo(stranger).length;
        const res = await s.post(s.approveClick(stranger, '李四'));
        expect(res.statusCode).toBe(200);
        await s.app.settle();
        // Feishu answers the click with an error toast. WeCom has no toast: the core's refusal of a card click
        // (src/inbound/card-actions.ts) carries no chat reply, so the stranger's click is answered empty and they are
        // told nothing — silent, but it leaks nothing and changes nothing, which is what is asserted here.
        const said = `${res.body}\n${s.sentTo(stranger).slice(sentBefore).join('\n')}`;
        for (const secret of [CUSTOMER, PHONE, TITLE, SECRET_NOTE]) expect(said).not.toContain(secret);
        d.can.cardClick.refused?.(res);
        expect(s.sentTo('李四').join('\n')).not.toContain(`已批准 ${approvalId}`);
      }
    } else {
      // DingTalk: the ActionCard button only makes the user send `/批准 A-n` (a dtmd: link), which a stranger can
      // type too — the owner and the admin are not approvers either.
      for (const stranger of ['销售乙', 'admin1']) expect(await replyTo(stranger, `/批准 ${approvalId}`)).toMatch(/不是审批|无法操作|不能自己审批/);
    }
    expect(await snapshot()).toEqual(before);
    expect(before.steps.every((s: any) => s.status === 'pending')).toBe(true);
  });

  if (d.can.cardClick) {
    it('a rep clicking with forged card values (an approver named in the data, the action switched, another request, another version) changes no approval step', async () => {
      expect(approvalId).toMatch(/^A-\d+$/);
      const before = await snapshot();
      const forgeries = [
        (v: Record<string, unknown>) => ({ ...v, approver: d.pid('李四'), user: d.pid('李四'), role: 'finance', as: d.ref('李四') }),
        (v: Record<string, unknown>) => ({ ...v, a: 'reject' }),
        (v: Record<string, unknown>) => ({ ...v, id: 'A-999' }),
        (v: Record<string, unknown>) => ({ ...v, v: 2 }),
      ];
      for (const edit of forgeries) {
        const sentBefore = s.sentTo('销售甲').length;
        const res = await s.post(s.approveClick('销售甲', '李四', approvalId, edit));
        expect(res.statusCode).toBe(200);
        await s.app.settle();
        const said = `${res.body}\n${s.sentTo('销售甲').slice(sentBefore).join('\n')}`;
        for (const secret of [CUSTOMER, PHONE, TITLE, SECRET_NOTE]) expect(said).not.toContain(secret);
      }
      expect(await snapshot()).toEqual(before);
      expect(s.sentTo('李四').join('\n')).not.toContain(`已批准 ${approvalId}`);
    });
  }
});
