// The admin API runs the same reporting-line rules as /设置 上级: another tenant's manager or team, a loop and an
// unknown id are refused with 400 and a Chinese message (never 500), and nothing changes; chat refuses the same.
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { teams, tenants, users } from '../../src/db/schema/index.js';
import { adminApi } from '../../src/server/admin-api.js';
import { buildApp } from '../../src/server/app.js';
import { createChat, type Chat } from '../helpers/chat.js';
import { testDriver, useTestDb } from '../helpers/db.js';

const TOKEN = 'test-admin-token-0123456789';
const auth = { authorization: `Bearer ${TOKEN}` };

describe(`admin API and chat refuse the same manager/team changes (${testDriver()})`, () => {
  const t = useTestDb();
  let chat: Chat;
  const user = async (name: string) => (await t().db.select().from(users).where(eq(users.name, name)))[0]!;
  const patch = async (id: string, payload: object) => {
    const a = await buildApp({ db: t().db, adapters: [], dispatch: async () => ({}), logLevel: 'silent', plugins: [adminApi(t().db, TOKEN)] });
    const res = await a.inject({ method: 'PATCH', url: `/admin/api/users/${id}`, headers: auth, payload });
    await a.close();
    return res;
  };
  const snapshot = async () => (await t().db.select().from(users)).map((u) => [u.id, u.managerId, u.teamId]).sort();

  beforeAll(async () => {
    chat = createChat(t());
    await chat.say('管理员', '/帮助', { role: 'admin' });
    await chat.say('吴经理', '/帮助', { role: 'manager' });
    await chat.say('郑销售', '/帮助');
    await chat.say('管理员', '/设置 上级 郑销售 吴经理');
    const [other] = await t().db.insert(tenants).values({ name: '别家公司' }).returning();
    await t().db.insert(users).values({ tenantId: other!.id, name: '外人', role: 'manager' });
    await t().db.insert(teams).values({ tenantId: other!.id, name: '别家团队' });
  });

  it('a manager loop: refused on both paths', async () => {
    const before = await snapshot();
    expect((await chat.say('管理员', '/设置 上级 吴经理 郑销售')).text).toContain('会形成循环');
    const res = await patch((await user('吴经理')).id, { managerId: (await user('郑销售')).id });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toContain('会形成循环');
    expect(await snapshot()).toEqual(before);
  });

  it('oneself as manager: refused on both paths', async () => {
    const before = await snapshot();
    expect((await chat.say('管理员', '/设置 上级 郑销售 郑销售')).text).toContain('不能把自己设为自己的上级');
    const res = await patch((await user('郑销售')).id, { managerId: (await user('郑销售')).id });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toContain('不能把自己设为自己的上级');
    expect(await snapshot()).toEqual(before);
  });

  it('another tenant\'s manager or team: refused (chat cannot even name them)', async () => {
    const before = await snapshot();
    expect((await chat.say('管理员', '/设置 上级 郑销售 外人')).text).not.toContain('已把');
    const res = await patch((await user('郑销售')).id, { managerId: (await user('外人')).id });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toContain('不是同一家公司的成员');
    const [team] = await t().db.select().from(teams).where(eq(teams.name, '别家团队'));
    const teamRes = await patch((await user('郑销售')).id, { teamId: team!.id });
    expect(teamRes.statusCode).toBe(400);
    expect(teamRes.json().error).toContain('团队');
    expect(await snapshot()).toEqual(before);
  });

  it('an unknown manager or team id: 400 with a Chinese message, never 500', async () => {
    const before = await snapshot();
    const res = await patch((await user('郑销售')).id, { managerId: '00000000-0000-4000-8000-000000000000' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toContain('没有找到这位上级');
    const teamRes = await patch((await user('郑销售')).id, { teamId: '00000000-0000-4000-8000-000000000000' });
    expect(teamRes.statusCode).toBe(400);
    expect(await snapshot()).toEqual(before);
  });
});
