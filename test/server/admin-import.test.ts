import { sql } from 'drizzle-orm';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/rows.js';
import { adminApi } from '../../src/server/admin-api.js';
import { buildApp } from '../../src/server/app.js';
import { ensureDefaultTenant } from '../../src/services/tenants.js';
import { testDriver, useTestDb } from '../helpers/db.js';

const TOKEN = 'test-admin-token-0123456789';
const auth = { authorization: `Bearer ${TOKEN}` };

describe(`admin import and export over HTTP (${testDriver()})`, () => {
  const t = useTestDb();

  it('imports people and customers from GBK CSV bodies, dry run first, and exports GBK', async () => {
    const a = await buildApp({ db: t().db, adapters: [], dispatch: async () => ({}), logLevel: 'silent', plugins: [adminApi(t().db, TOKEN)] });
    const tenant = await ensureDefaultTenant(t().db, { name: '测试厂', timeZone: 'Asia/Shanghai' });
    const post = (kind: string, text: string, apply: boolean, headers: Record<string, string> = auth) =>
      a.inject({ method: 'POST', url: `/admin/api/tenants/${tenant.id}/import/${kind}?apply=${apply}`, headers: { ...headers, 'content-type': 'text/csv' }, payload: iconv.encode(text, 'gbk') });

    const people = '姓名,企业微信ID,角色,上级\r\n管理员,admin1,管理员,\r\n张三,zhangsan,销售,管理员\r\n';
    expect((await post('users', people, false, {})).statusCode).toBe(401);
    expect((await post('users', people, false, { authorization: 'Bearer nope' })).statusCode).toBe(401);
    const dry = await post('users', people, false);
    expect(dry.statusCode).toBe(200);
    expect(dry.json()).toMatchObject({ encoding: 'gbk', applied: false, total: 2 });
    expect(await queryRows(t().db, sql`select count(*)::int as n from users`)).toEqual([{ n: 0 }]);
    expect((await post('users', people, true)).json().applied).toBe(true);

    const file = '公司名称,电话,地区,等级,负责人\r\n宁波永固阀门有限公司,13812345678,宁波,A,张三\r\n永固阀门,,宁波,B,张三\r\n,13900000000,杭州,C,张三\r\n';
    const report = (await post('customers', file, false)).json();
    expect(report.encoding).toBe('gbk');
    expect(JSON.stringify(report)).toContain('永固阀门');
    expect(await queryRows(t().db, sql`select count(*)::int as n from customers`)).toEqual([{ n: 0 }]);
    expect((await post('customers', file, true)).statusCode).toBe(200);
    expect(await queryRows(t().db, sql`select name from customers`)).toEqual([{ name: '宁波永固阀门有限公司' }]);
    const unreadable = await post('customers', '电话,地区\r\n1,2\r\n', false);
    expect(unreadable.statusCode).toBe(422);
    expect(unreadable.json().error).toContain('公司名称');

    const out = await a.inject({ url: `/admin/api/tenants/${tenant.id}/export/customers.csv?encoding=gbk`, headers: auth });
    expect(out.headers['content-type']).toContain('gbk');
    expect(iconv.decode(out.rawPayload, 'gbk')).toContain('宁波永固阀门有限公司');
    expect((await a.inject({ url: `/admin/api/tenants/${tenant.id}/export/customers.csv` })).statusCode).toBe(401);
    await a.close();
  });
});

describe('CSV export safety', () => {
  it('defuses cells that a spreadsheet would run as formulas, and keeps numbers', async () => {
    const { safeCell } = await import('../../src/export/customers.js');
    expect(safeCell('=HYPERLINK("http://x","点我")')).toBe(`'=HYPERLINK("http://x","点我")`);
    expect(safeCell('@SUM(A1)')).toBe(`'@SUM(A1)`);
    expect(safeCell('+cmd|calc')).toBe(`'+cmd|calc`);
    expect(safeCell('-12.50')).toBe('-12.50');
    expect(safeCell('+86 138 0013 8000')).toBe('+86 138 0013 8000');
    expect(safeCell('宁波永固阀门')).toBe('宁波永固阀门');
  });
});
