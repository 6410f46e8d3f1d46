// The dashboard's admin API through the production app: only an admin reads or changes the tenant's rules, every
// change needs the session's CSRF token, lands through the settings services with its audit row, and a bad value
// answers the chat's own sentence and changes nothing; the customer import runs as the server's job (dry run, then
// apply), its problem rows download, and a second import while one runs is refused politely.
import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import type { LightMyRequestResponse } from 'fastify';
import { describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/rows.js';
import { auditLog, customers, tenants, users } from '../../src/db/schema/index.js';
import { findImporter } from '../../src/import/customers.js';
import { createUser } from '../../src/services/users.js';
import { createDashboardLink } from '../../src/services/web-sessions.js';
import { tenantSettings } from '../../src/services/tenant-settings.js';
import { ensureTeam } from '../../src/services/teams.js';
import { createChat, type Chat } from '../helpers/chat.js';
import { testDriver, useTestDb } from '../helpers/db.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const cookieOf = (setCookie: string | string[] | undefined) => String(Array.isArray(setCookie) ? setCookie[0] : setCookie).split(';')[0]!;

async function signIn(chat: Chat, app: TestServer, who: string) {
  const link = /\/app\/login\?t=[A-Za-z0-9_-]+/.exec((await chat.say(who, '/看板')).text)![0];
  const cookie = cookieOf((await app.server.inject({ url: link })).headers['set-cookie']);
  const csrf = (await app.server.inject({ url: '/app/api/me', headers: { cookie } })).json().csrf as string;
  return { cookie, csrf };
}

describe(`the dashboard's admin API (${testDriver()})`, () => {
  const t = useTestDb();

  async function setup() {
    const chat = createChat(t());
    const app = await chat.app();
    await chat.say('管理员', '/帮助', { role: 'admin' });
    await chat.say('甲销售', '/帮助');
    await chat.say('乙销售', '/帮助');
    const db = t().db;
    const [admin] = await db.select().from(users).where(eq(users.name, '管理员'));
    const east = await ensureTeam(db, admin!.tenantId, '华东销售部');
    await db.update(users).set({ teamId: east }).where(inArray(users.name, ['甲销售', '乙销售']));
    return { chat, app, db, tenantId: admin!.tenantId, adminId: admin!.id, admin: await signIn(chat, app, '管理员'), rep: await signIn(chat, app, '甲销售') };
  }
  const audits = async (db: ReturnType<typeof t>['db'], tenantId: string) =>
    db.select().from(auditLog).where(and(eq(auditLog.tenantId, tenantId), eq(auditLog.action, 'settings.update'))).orderBy(desc(auditLog.id));

  it('refuses non-admins and changes without the CSRF token; a valid change lands through the settings service, audited', async () => {
    const { chat, app, db, tenantId, adminId, admin, rep } = await setup();
    const put = (who: { cookie: string; csrf?: string }, url: string, payload: object) =>
      app.server.inject({ method: 'PUT', url, headers: { cookie: who.cookie, ...(who.csrf ? { 'x-csrf-token': who.csrf } : {}) }, payload });
    const before = await tenantSettings(db, tenantId);

    const repRead = await app.server.inject({ url: '/app/api/admin/rules', headers: { cookie: rep.cookie } });
    expect(repRead.statusCode).toBe(403);
    expect(repRead.json().message).toContain('只有管理员可以修改设置');
    const repWrite = await put(rep, '/app/api/admin/rules/approval', { amount: '8万' });
    expect(repWrite.statusCode).toBe(403);
    expect(repWrite.json().message).toContain('只有管理员可以修改设置');
    const repImport = await app.server.inject({ method: 'POST', url: '/app/api/admin/imports', headers: { cookie: rep.cookie, 'x-csrf-token': rep.csrf, 'content-type': 'text/csv' }, payload: '公司名称,电话\n甲公司,13600000001\n' });
    expect(repImport.statusCode).toBe(403);
    expect((await app.server.inject({ url: '/app/api/admin/rules' })).statusCode).toBe(401);

    expect((await put({ cookie: admin.cookie }, '/app/api/admin/rules/approval', { amount: '8万' })).json().error).toBe('csrf');
    expect((await put({ cookie: admin.cookie, csrf: rep.csrf }, '/app/api/admin/rules/approval', { amount: '8万' })).statusCode).toBe(403);
    expect(await tenantSettings(db, tenantId)).toEqual(before);
    expect(await audits(db, tenantId)).toHaveLength(0);

    const ok = await put(admin, '/app/api/admin/rules/approval', { amount: '8万', discount: '10%', strandedStepsTo: 'receiver' });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().approval).toEqual({ financeTechMinFen: 8_000_000, directorDiscountBp: 1000, strandedStepsTo: 'receiver', reminderWorkingHours: 8 });
    const after = await tenantSettings(db, tenantId);
    expect(after.approval).toMatchObject({ financeTechMinFen: 8_000_000, directorDiscountBp: 1000, strandedStepsTo: 'receiver' });
    const [audit] = await audits(db, tenantId);
    expect(audit).toMatchObject({ actorId: adminId, entityType: 'tenant', entityId: tenantId });
    expect((audit!.after as any).approval.financeTechMinFen).toBe(8_000_000);
    expect((audit!.before as any).approval.financeTechMinFen).toBe(5_000_000);

    expect((await put(admin, '/app/api/admin/rules/nudges', { silenceHours: '36', escalateAfterHours: '12' })).statusCode).toBe(200);
    expect((await tenantSettings(db, tenantId)).nudges).toMatchObject({ silenceHours: 36, escalateAfterHours: 12 });
    expect((await put(admin, '/app/api/admin/rules/digest', { enabled: false, hour: 9 })).json().digest).toMatchObject({ enabled: false, hour: 9 });

    const rule = await app.server.inject({ method: 'POST', url: '/app/api/admin/rules/assignment', headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf }, payload: { by: 'region', match: '浙江', target: '华东销售部' } });
    expect(rule.statusCode).toBe(200);
    expect(rule.json().assignment.rules).toEqual(['1. 地区「浙江」→ 华东销售部（团队轮流）']);
    expect((await put(admin, '/app/api/admin/rules/assignment/default', { team: '华东销售部' })).json().assignment.defaultTeam).toBe('华东销售部');
    expect((await tenantSettings(db, tenantId)).assignment.rules).toHaveLength(1);
    expect(await audits(db, tenantId)).toHaveLength(5);
    const gone = await app.server.inject({ method: 'DELETE', url: '/app/api/admin/rules/assignment/1', headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf }, payload: {} });
    expect(gone.json().assignment.rules).toEqual([]);
    // The digest's group chats are bound in the group (/设置 战报 本群, team-chats.ts); the screen lists them.
    await chat.say('吴经理', '/帮助', { role: 'manager' });
    await chat.say('吴经理', '/设置 战报 本群 华东销售部', { group: '华东群' });
    const read = await app.server.inject({ url: '/app/api/admin/rules', headers: { cookie: admin.cookie } });
    expect(read.json()).toMatchObject({ nudges: { silenceHours: 36 }, digest: { enabled: false, hour: 9, chats: [{ team: '华东销售部', platform: 'console', chatId: '华东群' }] }, teams: ['华东销售部'] });
    // … and unbound from the screen with the same service as /设置 战报 关, audited as it is.
    const unbind = (who: { cookie: string; csrf: string }) =>
      app.server.inject({ method: 'DELETE', url: '/app/api/admin/rules/digest/chats', headers: { cookie: who.cookie, 'x-csrf-token': who.csrf }, payload: { platform: 'console', chatId: '华东群' } });
    expect((await unbind(rep)).statusCode).toBe(403);
    expect((await unbind(admin)).json().digest.chats).toEqual([]);
    expect(await db.select().from(auditLog).where(and(eq(auditLog.tenantId, tenantId), eq(auditLog.action, 'team.chat.unbind'), eq(auditLog.actorId, adminId)))).toHaveLength(1);
    expect((await chat.say('吴经理', '/设置 战报', { group: '华东群' })).text).not.toContain('本群收到');
  });

  it("answers a bad value with the chat's own sentence, next to its field, and changes nothing", async () => {
    const { chat, app, db, tenantId, admin } = await setup();
    const send = (method: 'PUT' | 'POST', url: string, payload: object) => app.server.inject({ method, url, headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf }, payload });
    const before = await tenantSettings(db, tenantId);
    const audited = (await audits(db, tenantId)).length;

    const amount = await send('PUT', '/app/api/admin/rules/approval', { amount: '八万多', discount: '10%' });
    expect(amount.statusCode).toBe(400);
    expect(amount.json()).toEqual({ error: 'invalid', field: 'amount', message: '看不懂「八万多」：金额写成 5万，折扣写成 5%。' });
    expect((await chat.say('管理员', '/设置 审批 八万多')).text).toContain('看不懂「八万多」：金额写成 5万，折扣写成 5%。');

    const hours = await send('PUT', '/app/api/admin/rules/nudges', { silenceHours: '0' });
    expect(hours.json()).toMatchObject({ field: 'silenceHours', message: '请写大于 0 的小时数（收到「0」）。' });
    expect((await chat.say('管理员', '/设置 提醒 0')).text).toContain('请写大于 0 的小时数（收到「0」）。');

    const target = await send('POST', '/app/api/admin/rules/assignment', { by: 'keyword', match: '阀门', target: '不存在的人' });
    expect(target.statusCode).toBe(400);
    const chatSays = (await chat.say('管理员', '/设置 分配 关键词 阀门 不存在的人')).text;
    expect(chatSays).toContain(target.json().message);
    expect(target.json().field).toBe('assignment');

    expect((await send('PUT', '/app/api/admin/rules/approval', { amount: 5 })).json()).toMatchObject({ error: 'invalid', message: '提交的内容格式不对，请刷新页面后重试。' });
    expect((await send('PUT', '/app/api/admin/rules/digest', { hour: 24 })).json()).toMatchObject({ field: 'hour', message: '战报时间请写 0–23 点（收到「24」）。' });

    expect(await tenantSettings(db, tenantId)).toEqual(before);
    expect(await audits(db, tenantId)).toHaveLength(audited);
  });

  it('edits the other rules the tenant settings hold, by section: admin only, CSRF, each change read back, audited as the admin and seen by /设置', async () => {
    const { chat, app, db, tenantId, adminId, admin, rep } = await setup();
    const put = (who: { cookie: string; csrf?: string }, section: string, payload: object) =>
      app.server.inject({ method: 'PUT', url: `/app/api/admin/rules/${section}`, headers: { cookie: who.cookie, ...(who.csrf ? { 'x-csrf-token': who.csrf } : {}) }, payload });
    const hours = { workStart: 8, workEnd: 17, workDays: [6, 1, 2, 3, 4, 5, 1], quietEnabled: true, quietStart: 22, quietEnd: 7, quietDays: [7] };
    const changes: Array<[string, object]> = [
      ['approval', { reminderWorkingHours: '4' }],
      ['nudges', { newLeadHours: '12', stagnantDays: '20', silentQuoteDays: '10', alerts: { stagnant: { owner: true, manager: false, directorSummary: true } } }],
      ['collection', { escalateAfterDays: '5天' }],
      ['pool', { claimsPerDay: '5', maxOpenLeads: '150', recycleDays: '45', recycleWarnDays: '5', reclaimBlockDays: '60', goldenMinutes: '20' }],
      ['after-win', { visitDays: '10', winBackDays: '0' }],
      ['quote-document', { header: '宁波精工模具有限公司', lines: '地址：宁波市北仑区\n电话：0574-8888', terms: '1. 含税。\n2. 运费另计。', validityDays: '15天' }],
      ['voice', { confirm: false }],
      ['hours', hours],
    ];
    const before = await tenantSettings(db, tenantId);
    const audited = (await audits(db, tenantId)).length;

    // Nobody but an admin, and no change without the session's CSRF token: nothing written, nothing audited.
    for (const [section, payload] of changes) {
      expect((await put(rep, section, payload)).statusCode, section).toBe(403);
      expect((await put({ cookie: admin.cookie }, section, payload)).json().error, section).toBe('csrf');
    }
    expect(await tenantSettings(db, tenantId)).toEqual(before);
    expect(await audits(db, tenantId)).toHaveLength(audited);

    let last;
    for (const [section, payload] of changes) {
      last = await put(admin, section, payload);
      expect(last.statusCode, section).toBe(200);
    }
    const view = last!.json();
    expect(view.approval.reminderWorkingHours).toBe(4);
    expect(view.nudges).toEqual({ silenceHours: before.nudges.silenceHours, escalateAfterHours: before.nudges.escalateAfterHours, newLeadHours: 12, stagnantDays: 20, silentQuoteDays: 10 });
    expect(view.alerts).toEqual({ stagnant: { owner: true, manager: false, directorSummary: true }, silentQuote: { owner: true, manager: true, directorSummary: true } });
    expect(view.collection).toEqual({ escalateAfterDays: 5 });
    expect(view.pool).toEqual({ claimsPerDay: 5, maxOpenLeads: 150, recycleDays: 45, recycleWarnDays: 5, reclaimBlockDays: 60, goldenMinutes: 20 });
    expect(view.afterWin).toEqual({ visitDays: 10, winBackDays: 0 });
    expect(view.quoteDocument).toEqual({ header: '宁波精工模具有限公司', lines: ['地址：宁波市北仑区', '电话：0574-8888'], terms: '1. 含税。\n2. 运费另计。', validityDays: 15 });
    expect(view.voice).toEqual({ confirm: false });
    expect(view.hours).toEqual({ working: { start: 8, end: 17, days: [1, 2, 3, 4, 5, 6] }, quiet: { enabled: true, start: 22, end: 7, days: [7] } });
    // The settings service holds them (what the scheduler and the chat read) …
    const after = await tenantSettings(db, tenantId);
    expect(after).toMatchObject({
      approval: { reminderWorkingHours: 4, financeTechMinFen: before.approval.financeTechMinFen },
      nudges: { newLeadHours: 12, stagnantDays: 20, silentQuoteDays: 10, silenceHours: before.nudges.silenceHours },
      alerts: { stagnant: { manager: false }, silentQuote: { manager: true } },
      collection: { escalateAfterDays: 5 },
      pool: { claimsPerDay: 5, recycleDays: 45, goldenMinutes: 20 },
      afterWin: { visitDays: 10, winBackDays: 0 },
      quoteDocument: { header: '宁波精工模具有限公司', validityDays: 15 },
      voice: { confirm: false },
      workingHours: { start: 8, end: 17, days: [1, 2, 3, 4, 5, 6] },
      quietHours: { enabled: true, start: 22, end: 7, days: [7] },
    });
    // … each change one audit row as the signed-in admin, before and after …
    const rows = (await audits(db, tenantId)).slice(0, changes.length);
    expect(await audits(db, tenantId)).toHaveLength(audited + changes.length);
    expect(rows.every((r) => r.actorId === adminId && r.entityId === tenantId)).toBe(true);
    expect((rows[0]!.before as any).workingHours).toEqual({ start: 9, end: 18, days: [1, 2, 3, 4, 5] });
    expect((rows[0]!.after as any).quietHours.start).toBe(22);
    // … and the chat's /设置 answers with them.
    expect((await chat.say('管理员', '/设置 公海')).text).toContain('每人每天最多领取 5 个');
    expect((await chat.say('管理员', '/设置 回访')).text).toContain('10 天后提醒负责人回访');
    expect((await chat.say('管理员', '/设置 回款')).text).toContain('到期 5 天后仍未回清');
    const nudgesText = (await chat.say('管理员', '/设置 提醒')).text;
    expect(nudgesText).toContain('新线索 12 小时未联系');
    expect(nudgesText).toContain('同一阶段超过 20 天 → 负责人、总监（每天一条汇总）');
    expect(nudgesText).toContain('工作时间：周一、周二、周三、周四、周五、周六 8:00–17:00');
    expect(nudgesText).toContain('免打扰：22:00–7:00，周日全天');
    expect((await chat.say('管理员', '/设置 报价单')).text).toContain('· 信息：地址：宁波市北仑区 ｜ 电话：0574-8888');
    expect((await chat.say('管理员', '/设置 语音确认')).text).toContain('直接记录');
    // An empty form changes nothing and writes no audit row.
    expect((await put(admin, 'pool', { claimsPerDay: '' })).statusCode).toBe(200);
    expect(await audits(db, tenantId)).toHaveLength(audited + changes.length);
  });

  it("refuses a bad value of the new sections with the chat's sentence under its field, writing nothing of the form", async () => {
    const { chat, app, db, tenantId, admin } = await setup();
    const put = (section: string, payload: object) => app.server.inject({ method: 'PUT', url: `/app/api/admin/rules/${section}`, headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf }, payload });
    const before = await tenantSettings(db, tenantId);
    const audited = (await audits(db, tenantId)).length;
    const refused = async (section: string, payload: object, field: string, message: string) => {
      const r = await put(section, payload);
      expect(r.statusCode, `${section}.${field}`).toBe(400);
      expect(r.json()).toEqual({ error: 'invalid', field, message });
    };

    // The chat reads these values with the same readers, so it says the same sentence.
    await refused('pool', { claimsPerDay: '5', recycleDays: '30', goldenMinutes: '0' }, 'goldenMinutes', '请写 1–1440 的分钟数（收到「0」）。');
    expect((await chat.say('管理员', '/设置 公海 领取 5 响应 0')).text).toContain('「响应」后面请写 1–1440 的分钟数（收到「0」）。');
    await refused('pool', { claimsPerDay: '很多' }, 'claimsPerDay', '请写 1–1000 的个数（收到「很多」）。');
    await refused('after-win', { visitDays: '7', winBackDays: '-1' }, 'winBackDays', '请写 0–3650 的天数（收到「-1」）。');
    expect((await chat.say('管理员', '/设置 回访 7 -1')).text).toContain('请写 0–3650 的天数（收到「-1」）。');
    await refused('collection', { escalateAfterDays: '400' }, 'escalateAfterDays', '请写 1–365 的天数（收到「400」）。');
    expect((await chat.say('管理员', '/设置 回款 400')).text).toContain('请写 1–365 的天数（收到「400」）。');
    await refused('approval', { amount: '8万', reminderWorkingHours: '0' }, 'reminderWorkingHours', '请写大于 0 的小时数（收到「0」）。');
    await refused('nudges', { newLeadHours: '12', stagnantDays: '零' }, 'stagnantDays', '请写大于 0 的天数（收到「零」）。');
    await refused('quote-document', { header: '长'.repeat(61) }, 'header', '抬头最多 60 个字（现在 61 个），请写短一些。');
    expect((await chat.say('管理员', `/设置 报价单 抬头 ${'长'.repeat(61)}`)).text).toContain('抬头最多 60 个字（现在 61 个），请写短一些。');
    await refused('quote-document', { header: '宁波精工', validityDays: '永久' }, 'validityDays', '有效期写成天数（1–365），例如 30天（收到「永久」）。');
    expect((await chat.say('管理员', '/设置 报价单 有效期 永久')).text).toContain('有效期写成天数（1–365），例如 30天（收到「永久」）。');
    await refused('quote-document', { lines: '1\n2\n3\n4\n5\n6\n7' }, 'lines', '信息最多 6 行（现在 7 行），行与行之间用 ｜ 隔开。');
    await refused('quote-document', { terms: ' ' }, 'terms', '请写上报价条款，每条一行。');
    expect((await put('nudges', { stagnantDays: '20', alerts: { stagnant: { owner: 'yes' } } })).json()).toMatchObject({ error: 'invalid', message: '提交的内容格式不对，请刷新页面后重试。' });
    expect((await put('voice', { confirm: 'no' })).json()).toMatchObject({ error: 'invalid', message: '提交的内容格式不对，请刷新页面后重试。' });
    const hours = { workStart: 9, workEnd: 18, workDays: [1, 2, 3, 4, 5], quietEnabled: true, quietStart: 21, quietEnd: 8, quietDays: [6, 7] };
    await refused('hours', { ...hours, workEnd: 9 }, 'workEnd', '下班时间要晚于上班时间（收到 9 点到 9 点）。');
    await refused('hours', { ...hours, workDays: [] }, 'workDays', '请至少选一个工作日。');
    await refused('hours', { ...hours, quietStart: 8 }, 'quietEnd', '免打扰的开始和结束不能都是 8 点；不需要免打扰请关闭它。');
    // A shape no form sends: the form's own line.
    expect((await put('hours', { ...hours, workStart: 24 })).json()).toMatchObject({ error: 'invalid', message: '提交的内容格式不对，请刷新页面后重试。' });
    expect((await put('pool', { claimsPerDay: 5 })).json()).toMatchObject({ error: 'invalid', message: '提交的内容格式不对，请刷新页面后重试。' });

    expect(await tenantSettings(db, tenantId)).toEqual(before);
    expect(await audits(db, tenantId)).toHaveLength(audited);
  });

  it('imports as the signed-in admin when another active user has the same name (the job names its importer by id)', async () => {
    const { chat, app, db, tenantId, adminId, admin } = await setup();
    const namesake = await createUser(db, tenantId, { name: '管理员', role: 'admin' });
    const upload = await app.server.inject({ method: 'POST', url: '/app/api/admin/imports?apply=true', headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf, 'content-type': 'text/csv' }, payload: '公司名称,电话\n宁波同名测试有限公司,13600000011\n' });
    expect(upload.statusCode).toBe(202);
    let job;
    do {
      await new Promise((r) => setImmediate(r));
      job = (await app.server.inject({ url: `/app/api/admin/imports/${upload.json().id}`, headers: { cookie: admin.cookie } })).json();
    } while (job.status === 'running');
    expect(job).toMatchObject({ status: 'done', apply: true, result: { counts: { create: 1 } } });
    const [created] = await db.select().from(customers).where(eq(customers.name, '宁波同名测试有限公司'));
    const rows = await db.select().from(auditLog).where(and(eq(auditLog.entityType, 'customer'), eq(auditLog.entityId, created!.id)));
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.actorId === adminId)).toBe(true);
    expect(rows.some((r) => r.actorId === namesake)).toBe(false);
    // By name the importer is ambiguous: the CLI and the admin API's `as` say so, as before.
    await expect(findImporter(db, tenantId, '管理员')).rejects.toThrow(/导入人/);
    await expect(findImporter(db, tenantId, { id: namesake })).resolves.toMatchObject({ id: namesake });
    // The namesake leaves (the tests after this one share the database).
    await db.update(users).set({ active: false }).where(eq(users.id, namesake));
    void chat;
  });

  it('imports customers as a job: dry run with the merge list and problem rows, apply, and one import at a time', async () => {
    const { chat, app, db, admin } = await setup();
    await chat.say('甲销售', '/新客户 宁波甲江阀门有限公司 13600000001');
    await chat.say('管理员', '/设置 分配 地区 浙江 华东销售部');
    const csv = ['公司名称,电话,地区,负责人', '宁波甲江阀门有限公司,13600000001,浙江,甲销售', '温州乙江机械有限公司,13600000002,浙江,', '台州丙山泵业有限公司,13600000003,浙江,乙销售', ',13600000004,浙江,', ''].join('\n');
    const upload = (body: string, apply: boolean) =>
      app.server.inject({ method: 'POST', url: `/app/api/admin/imports?apply=${apply}`, headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf, 'content-type': 'text/csv' }, payload: body });
    const finished = async (res: LightMyRequestResponse) => {
      expect(res.statusCode).toBe(202);
      const id = res.json().id as string;
      for (;;) {
        const v = await app.server.inject({ url: `/app/api/admin/imports/${id}`, headers: { cookie: admin.cookie } });
        if (v.json().status !== 'running') return v.json();
        await new Promise((r) => setImmediate(r));
      }
    };
    const count = async () => Number((await queryRows<{ n: number }>(db, sql`select count(*)::int as n from customers`))[0]!.n);
    const start = await count();

    expect((await app.server.inject({ method: 'POST', url: '/app/api/admin/imports', headers: { cookie: admin.cookie, 'content-type': 'text/csv' }, payload: csv })).statusCode).toBe(403);
    const empty = await upload('', false);
    expect(empty.statusCode).toBe(400);
    expect(empty.json().message).toContain('请选择一个 CSV 文件');

    // A file that is not CSV: the job fails with the reason, nothing written.
    const broken = await finished(await upload('公司名称,电话\n"宁波未闭合引号,13600000009\n', false));
    expect(broken.status).toBe('failed');
    expect(broken.message).toMatch(/引号/);

    const dry = await finished(await upload(csv, false));
    expect(dry).toMatchObject({ status: 'done', apply: false, progress: { percent: 100 }, problemRows: 2 });
    expect(dry.result.counts).toMatchObject({ total: 4, create: 2, existing: 1, bad: 1 });
    expect(dry.result.merge.existing).toEqual([expect.objectContaining({ line: 2, name: '宁波甲江阀门有限公司', ownerName: '甲销售' })]);
    expect(dry.result.pool.first).toEqual([expect.objectContaining({ line: 3, name: '温州乙江机械有限公司' })]);
    expect(dry.result.pool.first[0].rule).toContain('按地区「浙江」→ 华东销售部');
    expect(await count()).toBe(start);
    const problems = await app.server.inject({ url: dry.problemsCsv, headers: { cookie: admin.cookie } });
    expect(problems.statusCode).toBe(200);
    expect(problems.headers['content-type']).toContain('text/csv');
    expect(problems.body).toContain('行号,结果,原因,公司名称,电话,地区,负责人');
    expect(problems.body).toContain('已存在');
    expect(problems.body).toContain('13600000004');
    // Another company's admin finds neither the job nor its problem rows, and sees their own company's rules.
    const [other] = await db.insert(tenants).values({ name: '另一家公司' }).returning();
    const otherAdmin = await createUser(db, other!.id, { name: '别家管理员', role: 'admin' });
    const token = await createDashboardLink({ db, actor: { tenantId: other!.id, userId: otherAdmin, name: '别家管理员', role: 'admin' }, now: new Date(), timeZone: 'Asia/Shanghai' });
    const stranger = cookieOf((await app.server.inject({ url: `/app/login?t=${token}` })).headers['set-cookie']);
    expect((await app.server.inject({ url: `/app/api/admin/imports/${dry.id}`, headers: { cookie: stranger } })).statusCode).toBe(404);
    expect((await app.server.inject({ url: dry.problemsCsv, headers: { cookie: stranger } })).statusCode).toBe(404);
    expect((await app.server.inject({ url: '/app/api/admin/rules', headers: { cookie: stranger } })).json().assignment.rules).toEqual([]);
    // A rep may not download it.
    expect((await app.server.inject({ url: dry.problemsCsv, headers: { cookie: (await signIn(chat, app, '乙销售')).cookie } })).statusCode).toBe(403);

    const applied = await finished(await upload(csv, true));
    expect(applied).toMatchObject({ status: 'done', apply: true, progress: { percent: 100 } });
    expect(applied.result.counts).toMatchObject({ create: 2, existing: 1 });
    const rows = await db.select({ name: customers.name, owner: users.name }).from(customers).leftJoin(users, eq(users.id, customers.ownerId)).where(inArray(customers.name, ['温州乙江机械有限公司', '台州丙山泵业有限公司']));
    expect(rows).toHaveLength(2);
    expect(rows.find((r) => r.name === '台州丙山泵业有限公司')!.owner).toBe('乙销售');
    expect(['甲销售', '乙销售']).toContain(rows.find((r) => r.name === '温州乙江机械有限公司')!.owner);
    expect(await count()).toBe(start + 2);

    // One import at a time: a file big enough to still be checked when the second upload arrives.
    const big = ['公司名称,电话,负责人', ...Array.from({ length: 3000 }, (_, i) => `批量测试客户${i}有限公司,139${String(i).padStart(8, '0')},甲销售`), ''].join('\n');
    const first = await upload(big, false);
    expect(first.statusCode).toBe(202);
    const second = await upload(csv, false);
    expect(second.statusCode).toBe(409);
    expect(second.json().message).toBe('另一个导入正在进行，请等它完成后再试。');
    expect((await finished(first)).result.counts.create).toBe(3000);
    expect(await count()).toBe(start + 2);

    // After a restart on the same data, the admin still reads the dry run and downloads its problem rows; the
    // other company's admin still does not (the job's tenant is in its row).
    const csvBefore = (await app.server.inject({ url: dry.problemsCsv, headers: { cookie: admin.cookie } })).body;
    await app.close();
    const restarted = await startTestServer(t(), { DATA_DIR: app.env.DATA_DIR });
    try {
      const again = await restarted.server.inject({ url: `/app/api/admin/imports/${dry.id}`, headers: { cookie: admin.cookie } });
      expect(again.statusCode).toBe(200);
      expect(again.json()).toEqual(dry);
      expect((await restarted.server.inject({ url: dry.problemsCsv, headers: { cookie: admin.cookie } })).body).toBe(csvBefore);
      expect((await restarted.server.inject({ url: `/app/api/admin/imports/${dry.id}`, headers: { cookie: stranger } })).statusCode).toBe(404);
      expect((await restarted.server.inject({ url: dry.problemsCsv, headers: { cookie: stranger } })).statusCode).toBe(404);
    } finally {
      await restarted.close();
    }
  });
});
