import { eq, like } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { outbox, tenants, users } from '../../src/db/schema/index.js';
import { adminApi } from '../../src/server/admin-api.js';
import { buildApp } from '../../src/server/app.js';
import { ensureTeam } from '../../src/services/teams.js';
import { ensureDefaultTenant } from '../../src/services/tenants.js';
import { resolveUser } from '../../src/services/users.js';
import { testDriver, useTestDb } from '../helpers/db.js';

const TOKEN = 'test-admin-token-0123456789';
const auth = { authorization: `Bearer ${TOKEN}` };

describe(`admin API: leads and assignment rules (${testDriver()})`, () => {
  const t = useTestDb();

  it('replaces the rules (ids checked against the tenant) and creates leads the rules place', async () => {
    const a = await buildApp({ db: t().db, adapters: [], dispatch: async () => ({}), logLevel: 'silent', plugins: [adminApi(t().db, TOKEN)] });
    const tenant = await ensureDefaultTenant(t().db, { name: '测试厂', timeZone: 'Asia/Shanghai' });
    const [other] = await t().db.insert(tenants).values({ name: '别家' }).returning();
    const rep = await resolveUser(t().db, { tenantId: tenant.id, platform: 'console', platformUserId: '接口甲', displayName: '接口甲' });
    const rep2 = await resolveUser(t().db, { tenantId: tenant.id, platform: 'console', platformUserId: '接口乙', displayName: '接口乙' });
    const team = await ensureTeam(t().db, tenant.id, '华南部');
    const foreignTeam = await ensureTeam(t().db, other!.id, '别家团队');
    await t().db.update(users).set({ teamId: team }).where(eq(users.id, rep2.id));

    const foreign = await a.inject({ method: 'PUT', url: `/admin/api/tenants/${tenant.id}/assignment`, headers: auth, payload: { rules: [{ by: 'region', match: '广东', teamId: foreignTeam }] } });
    expect(foreign.statusCode).toBe(400);
    expect(foreign.json().error).toBe('第 1 条规则的团队不属于这家公司。');
    const bad = await a.inject({ method: 'PUT', url: `/admin/api/tenants/${tenant.id}/assignment`, headers: auth, payload: { rules: [{ by: 'region', match: '广东' }] } });
    expect(bad.statusCode).toBe(400);
    const put = await a.inject({
      method: 'PUT',
      url: `/admin/api/tenants/${tenant.id}/assignment`,
      headers: auth,
      payload: { rules: [{ by: 'keyword', match: '模具', userId: rep.id }, { by: 'region', match: '广东', teamId: team }], defaultTeamId: null },
    });
    expect(put.statusCode).toBe(200);
    expect(put.json().described).toEqual(['1. 关键词「模具」→ 接口甲', '2. 地区「广东」→ 华南部（团队轮流）', '其他线索：留在公海（设置默认团队：/设置 分配 默认 <团队名>）']);

    const mould = await a.inject({ method: 'POST', url: `/admin/api/tenants/${tenant.id}/leads`, headers: auth, payload: { name: '东莞长安精密', region: '广东', productLine: '注塑模具', source: '官网' } });
    expect(mould.statusCode).toBe(201);
    expect(mould.json()).toMatchObject({ ownerId: rep.id, ownerName: '接口甲', rule: '按关键词「模具」→ 接口甲' });
    const south = await a.inject({ method: 'POST', url: `/admin/api/tenants/${tenant.id}/leads`, headers: auth, payload: { name: '佛山南海五金', region: '广东' } });
    expect(south.json()).toMatchObject({ ownerId: rep2.id, rule: '按地区「广东」→ 华南部（团队轮流），团队内轮流分配给 接口乙' });
    const none = await a.inject({ method: 'POST', url: `/admin/api/tenants/${tenant.id}/leads`, headers: auth, payload: { name: '昆明滇池机械', region: '云南' } });
    expect(none.json()).toMatchObject({ ownerId: null, ownerName: null, rule: '没有匹配的分配规则，也没有默认团队，留在公海' });
    const again = await a.inject({ method: 'POST', url: `/admin/api/tenants/${tenant.id}/leads`, headers: auth, payload: { name: '佛山南海五金' } });
    expect(again.statusCode).toBe(409);
    expect(again.json().error).toContain('客户已存在（公司名相同）');
    const unknown = await a.inject({ method: 'POST', url: `/admin/api/tenants/${tenant.id}/leads`, headers: auth, payload: { name: 'x', owner: 'me' } });
    expect(unknown.statusCode).toBe(400);

    // Each owner is told once, through the outbox.
    const notices = await t().db.select().from(outbox).where(like(outbox.dedupKey, 'golden-notice:%'));
    expect(notices.map((n) => (n.target as { id: string }).id).sort()).toEqual(['接口乙', '接口甲']);
    const spec = (await a.inject({ url: '/admin/api/openapi.json', headers: auth })).json();
    expect(spec.paths['/admin/api/tenants/{id}/leads'].post.requestBody).toBeDefined();
    expect(spec.paths['/admin/api/tenants/{id}/assignment'].put.requestBody).toBeDefined();
    await a.close();
  });
});
