import { describe, expect, it } from 'vitest';
import { adminApi } from '../../src/server/admin-api.js';
import { buildApp } from '../../src/server/app.js';
import { ensureDefaultTenant } from '../../src/services/tenants.js';
import { testDriver, useTestDb } from '../helpers/db.js';

const TOKEN = 'test-admin-token-0123456789';

describe(`admin HTTP API (${testDriver()})`, () => {
  const t = useTestDb();

  async function app() {
    return buildApp({ db: t().db, adapters: [], dispatch: async () => ({}), logLevel: 'silent', plugins: [adminApi(t().db, TOKEN)] });
  }

  it('refuses no token and a wrong token, accepts the right one', async () => {
    const a = await app();
    const tenant = await ensureDefaultTenant(t().db, { name: '测试厂', timeZone: 'Asia/Shanghai' });
    expect((await a.inject({ url: '/admin/api/tenants' })).statusCode).toBe(401);
    expect((await a.inject({ url: '/admin/api/tenants', headers: { authorization: 'Bearer wrong' } })).statusCode).toBe(401);
    expect((await a.inject({ url: '/admin/api/tenants', headers: { authorization: `Basic ${TOKEN}` } })).statusCode).toBe(401);
    const ok = await a.inject({ url: '/admin/api/tenants', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().map((x: { id: string }) => x.id)).toContain(tenant.id);
    await a.close();
  });

  it('lists and changes approval thresholds, validating the body', async () => {
    const a = await app();
    const tenant = await ensureDefaultTenant(t().db, { name: '测试厂', timeZone: 'Asia/Shanghai' });
    const auth = { authorization: `Bearer ${TOKEN}` };
    const before = await a.inject({ url: `/admin/api/tenants/${tenant.id}/settings`, headers: auth });
    expect(before.json().approval).toMatchObject({ financeTechMinFen: 5_000_000, directorDiscountBp: 500 });
    const bad = await a.inject({ method: 'PATCH', url: `/admin/api/tenants/${tenant.id}/settings`, headers: auth, payload: { approval: { directorDiscountBp: -1 } } });
    expect(bad.statusCode).toBe(400);
    const changed = await a.inject({ method: 'PATCH', url: `/admin/api/tenants/${tenant.id}/settings`, headers: auth, payload: { approval: { financeTechMinFen: 8_000_000 } } });
    expect(changed.statusCode).toBe(200);
    expect(changed.json().approval).toMatchObject({ financeTechMinFen: 8_000_000, directorDiscountBp: 500 });
    // A patch changes only what it names: a second field keeps the first one's new value.
    const second = await a.inject({ method: 'PATCH', url: `/admin/api/tenants/${tenant.id}/settings`, headers: auth, payload: { approval: { directorDiscountBp: 800 } } });
    expect(second.json().approval).toMatchObject({ financeTechMinFen: 8_000_000, directorDiscountBp: 800 });
    // The PDF quote's letterhead, lines and validity, as /设置 报价单 sets them.
    const doc = await a.inject({ method: 'PATCH', url: `/admin/api/tenants/${tenant.id}/settings`, headers: auth, payload: { quoteDocument: { header: '测试厂有限公司', lines: ['电话：0571-1234'], validityDays: 20 } } });
    expect(doc.json().quoteDocument).toMatchObject({ header: '测试厂有限公司', lines: ['电话：0571-1234'], validityDays: 20 });
    const badDoc = await a.inject({ method: 'PATCH', url: `/admin/api/tenants/${tenant.id}/settings`, headers: auth, payload: { quoteDocument: { validityDays: 0 } } });
    expect(badDoc.statusCode).toBe(400);
    const spec = await a.inject({ url: '/admin/api/openapi.json', headers: auth });
    expect(spec.json().paths['/admin/api/tenants/{id}/settings'].patch.requestBody).toBeDefined();
    await a.close();
  });

  it('rate-limits guessing', async () => {
    const a = await app();
    let last = 0;
    for (let i = 0; i < 65; i++) last = (await a.inject({ url: '/admin/api/tenants', headers: { authorization: `Bearer guess-${i}` } })).statusCode;
    expect(last).toBe(429);
    await a.close();
  });
});
