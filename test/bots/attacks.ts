// The attacks of issue #17, replayed end to end through one platform's real HTTP route: the production app (the
// one fault harness, test/faults/harness.ts startFaultApp, with the admin API on) on a fresh test database,
// requests signed with the platform's real algorithm and platform calls answered by its fake, both through the
// platform's driver (test/contract/platforms.ts). Each platform's suite (test/bots/<platform>/attacks.security.test.ts)
// calls `attackWorld` + `commonAttacks` with its driver, then adds the attacks only its transport has (`__proto__`
// payloads in its own wire format, WeCom's envelope). Every attack asserts the refusal AND the row counts of every
// table a request could write, before and after.
import { eq, sql } from 'drizzle-orm';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Db } from '../../src/db/client.js';
import { queryRows } from '../../src/db/rows.js';
import { approvalRequests, approvalSteps, quotes, tenants, users } from '../../src/db/schema/index.js';
import { BENIGN, HOSTILE, markupCounts } from '../cards/hostile-corpus.js';
import type { Driver, Session } from '../contract/platforms.js';
import { useTestDb, type TestDb } from '../helpers/db.js';

/** Every table an inbound request or an admin call could write (inbound_events is the inbox). */
export const EFFECT_TABLES = [
  'customers', 'deals', 'follow_ups', 'quotes', 'approval_requests', 'approval_steps', 'users', 'user_identities', 'audit_log', 'inbound_events',
] as const;
export type Effects = Record<(typeof EFFECT_TABLES)[number], number>;

export async function effects(db: Db): Promise<Effects> {
  const cols = EFFECT_TABLES.map((t) => `(select count(*) from ${t})::int as ${t}`).join(', ');
  return (await queryRows<Effects>(db, sql.raw(`select ${cols}`)))[0]!;
}

/** Row-count changes between two snapshots, only the tables that changed. */
export function changed(a: Effects, b: Effects): Partial<Effects> {
  return Object.fromEntries(EFFECT_TABLES.filter((t) => a[t] !== b[t]).map((t) => [t, b[t] - a[t]]));
}

/** Nothing was written except, at most, `n` inbox receipts (signed events that were read and refused). */
export function expectAtMostInbox(before: Effects, after: Effects, n: number): void {
  const { inbound_events: inbox = 0, ...rest } = changed(before, after);
  expect(rest).toEqual({});
  expect(inbox).toBeLessThanOrEqual(n);
}

export const ADMIN_TOKEN = 'attack-suite-admin-token-0123456789';

export interface AttackWorld {
  t: () => TestDb;
  d: Driver;
  /** The running app with this platform enabled (its route, its fake, its settle). */
  s: () => Session;
  /** Sends a signed message (200 expected) and waits until what it queued was delivered. */
  say(user: string, text: string): Promise<void>;
  /** What the bot sent `user` in answer to `text`. */
  replyTo(user: string, text: string): Promise<string>;
  /** `actor` presses 批准 on the latest card for `approval` that `holder` received (DingTalk: sends the button's command). */
  pressApprove(actor: string, holder: string, approval: string): Promise<LightMyRequestResponse>;
  userRow(user: string): Promise<typeof users.$inferSelect>;
  /** A deal owned by `user` (a fresh customer each time), its D-n. */
  dealOf(user: string, customer: string, title: string): Promise<string>;
  stepsOf(approval: string): Promise<Array<typeof approvalSteps.$inferSelect>>;
  admin(method: 'PATCH', url: string, payload: object): Promise<LightMyRequestResponse>;
}

/**
 * The cast, built through the platform itself: admin1 speaks first (and so becomes the admin); boss (销售经理) is
 * the manager of director, finance and tech; rep and mallory are reps, rep reporting to boss.
 */
export function attackWorld(d: Driver): AttackWorld {
  const t = useTestDb();
  let s: Session;
  let phone = 13800001000;

  const say = async (user: string, text: string) => {
    const res = await s.say(user, text);
    expect(res.statusCode, `${user}: ${text}`).toBe(200);
    await s.app.settle();
  };
  const replyTo = async (user: string, text: string) => {
    const before = s.sentTo(user).length;
    await say(user, text);
    return s.sentTo(user).slice(before).join('\n');
  };
  const userRow = async (user: string) => {
    const [row] = await queryRows<{ user_id: string }>(t().db, sql`select user_id from user_identities where platform_user_id = ${d.pid(user)}`);
    return (await t().db.select().from(users).where(eq(users.id, row!.user_id)))[0]!;
  };
  const world: AttackWorld = {
    t,
    d,
    s: () => s,
    say,
    replyTo,
    pressApprove: (actor, holder, approval) => s.post(s.approveClick(actor, holder, approval)),
    userRow,
    async dealOf(user, customer, title) {
      expect(await replyTo(user, `/新客户 ${customer} ${++phone} 宁波 阀门`)).toMatch(/C-\d+/);
      const created = await replyTo(user, `/新商机 ${customer} ${title} 6万`);
      const deal = /D-\d+/.exec(created);
      if (!deal) throw new Error(`no deal in ${created}`);
      return deal[0];
    },
    async stepsOf(approval) {
      const [r] = await t().db.select().from(approvalRequests).where(eq(approvalRequests.shortNo, Number(approval.slice(2))));
      return t().db.select().from(approvalSteps).where(eq(approvalSteps.requestId, r!.id)).orderBy(approvalSteps.role);
    },
    admin: (method, url, payload) => s.app.inject({ method, url, headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, payload }),
  };

  beforeAll(async () => {
    s = await d.start(t(), { env: { ADMIN_TOKEN } });
    await say('admin1', '/帮助');
    for (const u of ['boss', 'director', 'finance', 'tech', 'rep', 'mallory']) await say(u, '/帮助');
    for (const [u, role] of [['boss', '经理'], ['director', '总监'], ['finance', '财务'], ['tech', '技术']] as const) {
      expect(await replyTo('admin1', `/设置 角色 ${d.ref(u)} ${role}`)).toContain('角色设为');
    }
    for (const u of ['director', 'finance', 'tech', 'rep']) expect(await replyTo('admin1', `/设置 上级 ${d.ref(u)} ${d.ref('boss')}`)).toContain('的上级设为');
    expect((await userRow('admin1')).role).toBe('admin');
    expect((await userRow('mallory')).role).toBe('rep');
  });
  afterAll(async () => {
    await s?.close();
  });
  return world;
}

/** Submits a quote as `user` and returns its A-n. */
async function quote(w: AttackWorld, user: string, deal: string, terms: string): Promise<string> {
  const asked = await w.replyTo(user, `/报价 ${deal} ${terms}`);
  const a = /A-\d+/.exec(asked);
  if (!a) throw new Error(`no approval in ${asked}`);
  return a[0];
}

/** The attacks that run the same on every platform (the platform only changes the wire and the card format). */
export function commonAttacks(w: AttackWorld): void {
  it('markup injection: a hostile deal title and quote note reach the approvers\' cards as text, never as a link, heading or button', async () => {
    const [title, note] = [HOSTILE[0]!, HOSTILE[1]!.replace(/\n/g, ' ')];
    const benignDeal = await w.dealOf('rep', '普通阀门厂', BENIGN);
    const hostileDeal = await w.dealOf('rep', '恶意阀门厂', title);
    const benign = await quote(w, 'rep', benignDeal, `6万 8% ${BENIGN}`);
    const hostile = await quote(w, 'rep', hostileDeal, `6万 8% ${note}`);
    // Stored as the rep wrote it: data, not markup.
    const rows = await queryRows<{ title: string; note: string }>(w.t().db, sql`select d.title, q.note from quotes q join deals d on d.id = q.deal_id where d.short_no = ${Number(hostileDeal.slice(2))}`);
    expect(rows).toEqual([{ title, note }]);
    for (const approver of ['finance', 'tech', 'director']) {
      const [base] = w.s().approvalCards(approver, benign);
      const [card] = w.s().approvalCards(approver, hostile);
      expect(base, `${approver} got the benign card`).toBeDefined();
      expect(card, `${approver} got the hostile card`).toBeDefined();
      // The same constructs as the benign card: every link, heading, button, tag came from our template.
      expect(markupCounts(card!.markup)).toEqual(markupCounts(base!.markup));
      // Every link target left in what the platform parses is one of our own buttons: 批准/驳回 this request.
      expect(card!.markup).not.toMatch(/\]\(|(^|\n)\s*#{1,6}\s*伪造标题|<\/?(a|font|at)\b/i);
      for (const [url] of card!.markup.matchAll(/[a-z]+:\/\/[^\s"]*/gi)) {
        expect(url).toMatch(/^dtmd:\/\/dingtalkclient\/sendMessage\?content=/);
        expect(decodeURIComponent(new URL(url).searchParams.get('content')!)).toMatch(/^\/(批准|驳回) A-\d+$/);
      }
      // The approver can still read what the rep wrote.
      expect(card!.json).toContain('点此查看详情');
    }
  });

  it('self-approval: the director\'s own 8% quote never lands on the director; typing 批准 or pressing a forwarded button changes nothing', async () => {
    const deal = await w.dealOf('director', '总监自己的客户', '总监自报项目');
    const approval = await quote(w, 'director', deal, '6万 8%');
    const [director, boss] = [await w.userRow('director'), await w.userRow('boss')];
    const steps = await w.stepsOf(approval);
    expect(steps.map((s) => s.role).sort()).toEqual(['director', 'finance', 'tech']);
    expect(steps.some((s) => s.approverId === director.id)).toBe(false);
    expect(steps.find((s) => s.role === 'director')).toMatchObject({ approverId: boss.id, reroutedFromId: director.id, status: 'pending' });
    expect(w.s().approvalCards('director', approval)).toEqual([]);
    expect(w.s().approvalCards('boss', approval).at(-1)!.json).toContain('是申请人，本步改由');

    const before = await effects(w.t().db);
    expect(await w.replyTo('director', `/批准 ${approval}`)).toMatch(/不能自己审批|不是审批/);
    // The director presses boss's button (a forwarded card, or a crafted click with boss's card data).
    const pressed = await w.pressApprove('director', 'boss', approval);
    expect(pressed.statusCode).toBe(200);
    await w.s().app.settle();
    // Only the two inbound events were recorded (so a retry is deduplicated); nothing else was written.
    expect(changed(before, await effects(w.t().db))).toEqual({ inbound_events: 2 });
    expect((await w.stepsOf(approval)).every((s) => s.status === 'pending')).toBe(true);
  });

  it('a stranded step: deactivating the finance approver moves the step to their manager, and the request still closes', async () => {
    const deal = await w.dealOf('rep', '停用测试客户', '停用测试项目');
    const approval = await quote(w, 'rep', deal, '6万');
    const [finance, boss] = [await w.userRow('finance'), await w.userRow('boss')];
    expect((await w.stepsOf(approval)).map((s) => [s.role, s.approverId])).toEqual([['finance', finance.id], ['tech', (await w.userRow('tech')).id]]);

    const res = await w.admin('PATCH', `/admin/api/users/${finance.id}`, { active: false });
    expect(res.statusCode).toBe(200);
    await w.s().app.settle();
    const moved = (await w.stepsOf(approval)).find((s) => s.role === 'finance')!;
    expect(moved).toMatchObject({ approverId: boss.id, reassignedFromId: finance.id, status: 'pending' });
    // The new approver got the card through the platform; the leaver pressing their old button decides nothing.
    expect(w.s().approvalCards('boss', approval)).not.toEqual([]);
    const before = await effects(w.t().db);
    await w.pressApprove('finance', 'finance', approval);
    await w.s().app.settle();
    expect((await w.stepsOf(approval)).find((s) => s.role === 'finance')).toMatchObject({ approverId: boss.id, status: 'pending' });
    expectAtMostInbox(before, await effects(w.t().db), 1);

    // One after the other, each decided before the next (as a synchronous click is). DingTalk's typed decisions go
    // through the inbox, and two drainers deciding the last two steps at once on PostgreSQL can each still see the
    // other's step pending, so neither closes the request (services/approvals.ts decideApproval takes no lock).
    for (const who of ['boss', 'tech']) {
      expect((await w.pressApprove(who, who, approval)).statusCode).toBe(200);
      await w.s().app.settle();
    }
    expect((await w.stepsOf(approval)).map((s) => s.status)).toEqual(['approved', 'approved']);
    expect(await quoteStatus(w.t().db, approval)).toBe('approved');
  });

  it('admin API: another tenant\'s manager, a manager loop and an unknown id are 400 with a Chinese message, and write nothing', async () => {
    const [other] = await w.t().db.insert(tenants).values({ name: '别家公司' }).returning();
    const [outsider] = await w.t().db.insert(users).values({ tenantId: other!.id, name: '外人', role: 'manager' }).returning();
    const [rep, boss, director] = [await w.userRow('rep'), await w.userRow('boss'), await w.userRow('director')];
    const people = async () => (await w.t().db.select().from(users)).map((u) => [u.id, u.managerId, u.teamId, u.role, u.active]).sort();
    const before = { effects: await effects(w.t().db), people: await people() };

    for (const [id, managerId, message] of [
      [rep.id, outsider!.id, '不是同一家公司的成员'],
      [boss.id, director.id, '会形成循环'], // director → boss already
      [rep.id, '00000000-0000-4000-8000-000000000000', '没有找到这位上级'],
    ] as const) {
      const res = await w.admin('PATCH', `/admin/api/users/${id}`, { managerId });
      expect(res.statusCode, message).toBe(400);
      expect(res.json().error).toContain(message);
    }
    expect({ effects: await effects(w.t().db), people: await people() }).toEqual(before);
    // Chat runs the same rule: the loop is refused there too (only the inbound event is recorded).
    expect(await w.replyTo('admin1', `/设置 上级 ${w.d.ref('boss')} ${w.d.ref('director')}`)).toContain('会形成循环');
    expect(changed(before.effects, await effects(w.t().db))).toEqual({ inbound_events: 1 });
    expect(await people()).toEqual(before.people);
  });

  // WeCom's msg_signature and Feishu's X-Lark-Signature cover the body, so the swap cannot pass there; DingTalk's
  // sign covers only the timestamp, and the pair is bound to the msgId it first carried (bots/dingtalk/verify.ts).
  it('a captured signature carrying another body (the admin promoting mallory) is refused and writes nothing', async () => {
    const genuine = w.d.message('mallory', '/帮助');
    expect((await w.s().post(genuine)).statusCode).toBe(200);
    await w.s().app.settle();
    const before = await effects(w.t().db);
    const sentBefore = w.s().sentTo('admin1').length;
    const forged = w.d.message('admin1', `/设置 角色 ${w.d.ref('mallory')} 管理员`);
    for (const replayed of w.d.captured(genuine, forged)) expect((await w.s().post(replayed)).statusCode).toBe(401);
    await w.s().app.settle();
    expect(changed(before, await effects(w.t().db))).toEqual({});
    expect((await w.userRow('mallory')).role).toBe('rep');
    expect(w.s().sentTo('admin1').length).toBe(sentBefore);
  });
}

/** The quote of an approval, for tests that check it is untouched. */
export async function quoteStatus(db: Db, approval: string): Promise<string | undefined> {
  const [r] = await db.select().from(approvalRequests).where(eq(approvalRequests.shortNo, Number(approval.slice(2))));
  if (!r) return undefined;
  return (await db.select().from(quotes).where(eq(quotes.id, r.quoteId)))[0]?.status;
}
