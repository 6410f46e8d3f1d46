import { sql } from 'drizzle-orm';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/rows.js';
import { safeCell, safeRecords } from '../../src/export/customers.js';
import { parseCsv } from '../../src/import/decode.js';
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
    expect(dry.json()).toMatchObject({ status: 'done', apply: false, result: { kind: 'users', encoding: 'gbk', applied: false, total: 2, counts: { total: 2, create: 2, update: 0, unchanged: 0, bad: 0 } } });
    expect(dry.json().result.create.map((r: { line: number; name: string }) => [r.line, r.name])).toEqual([[2, '管理员'], [3, '张三']]);
    expect(await queryRows(t().db, sql`select count(*)::int as n from users`)).toEqual([{ n: 0 }]);
    expect((await post('users', people, true)).json().result).toMatchObject({ applied: true, counts: { create: 2 } });
    expect((await post('users', people, true)).json().result).toMatchObject({ applied: true, counts: { create: 0, update: 0, unchanged: 2 } });
    expect(await queryRows(t().db, sql`select u.name, m.name as manager from users u left join users m on m.id = u.manager_id order by u.name`)).toEqual([
      { name: '张三', manager: '管理员' },
      { name: '管理员', manager: null },
    ]);

    const file = '公司名称,电话,地区,等级,负责人\r\n宁波永固阀门有限公司,13812345678,宁波,A,张三\r\n永固阀门,,宁波,B,张三\r\n,13900000000,杭州,C,张三\r\n';
    const job = (await post('customers', file, false)).json();
    const report = job.result;
    expect(report.encoding).toBe('gbk');
    expect(report.counts).toEqual({ total: 3, create: 1, existing: 0, duplicates: 1, similar: 0, bad: 1 });
    // The summary names the first problem rows; all of them are in the job's problems file.
    expect(report.problems).toEqual({
      count: 2,
      first: [
        { line: 3, kind: '文件内重复', reason: '与第 2 行公司名相同，只导入第一次出现的行' },
        { line: 4, kind: '需修改', reason: '公司名称为空，请填写完整的公司名称' },
      ],
    });
    expect(job.problemsCsv).toBe(`/admin/api/imports/${job.id}/problems.csv`);
    const problems = await a.inject({ url: job.problemsCsv, headers: auth });
    expect(problems.statusCode).toBe(200);
    expect(problems.headers['content-type']).toContain('text/csv');
    expect(parseCsv(problems.rawPayload.toString('utf8')).map((r) => r.cells)).toEqual([
      ['行号', '结果', '原因', '公司名称', '电话', '地区', '等级', '负责人'],
      ['3', '文件内重复', '与第 2 行公司名相同，只导入第一次出现的行', '永固阀门', '', '宁波', 'B', '张三'],
      ['4', '需修改', '公司名称为空，请填写完整的公司名称', '', '13900000000', '杭州', 'C', '张三'],
    ]);
    expect((await a.inject({ url: `/admin/api/imports/${job.id}/problems.csv` })).statusCode).toBe(401);
    expect((await a.inject({ url: `/admin/api/imports/${job.id}`, headers: auth })).json()).toMatchObject({ id: job.id, status: 'done', progress: { rowsRead: 3, totalBytes: iconv.encode(file, 'gbk').length } });
    expect(await queryRows(t().db, sql`select count(*)::int as n from customers`)).toEqual([{ n: 0 }]);
    expect((await post('customers', file, true)).statusCode).toBe(200);
    expect(await queryRows(t().db, sql`select name from customers`)).toEqual([{ name: '宁波永固阀门有限公司' }]);
    // Up to 50 MB is read (streamed to disk); more is refused before the body is read.
    const tooBig = await a.inject({ method: 'POST', url: `/admin/api/tenants/${tenant.id}/import/customers`, headers: { ...auth, 'content-type': 'text/csv' }, payload: Buffer.alloc(50 * 1024 * 1024 + 1, 0x41) });
    expect(tooBig.statusCode).toBe(413);
    expect(tooBig.json().error).toContain('最大 50 MB');
    const noTenant = await a.inject({ method: 'POST', url: `/admin/api/tenants/00000000-0000-4000-8000-0000000000ff/import/users`, headers: { ...auth, 'content-type': 'text/csv' }, payload: '姓名\n张三\n' });
    expect(noTenant.statusCode).toBe(404);
    const unreadable = await post('customers', '电话,地区\r\n1,2\r\n', false);
    expect(unreadable.statusCode).toBe(422);
    expect(unreadable.json().error).toContain('公司名称');
    expect((await a.inject({ url: `/admin/api/imports/${unreadable.json().id}`, headers: auth })).json()).toMatchObject({ status: 'failed', userError: true });

    const out = await a.inject({ url: `/admin/api/tenants/${tenant.id}/export/customers.csv?encoding=gbk`, headers: auth });
    expect(out.headers['content-type']).toContain('gbk');
    expect(iconv.decode(out.rawPayload, 'gbk')).toContain('宁波永固阀门有限公司');
    expect((await a.inject({ url: `/admin/api/tenants/${tenant.id}/export/customers.csv` })).statusCode).toBe(401);
    await a.close();
  });
});

describe(`CSV export safety (${testDriver()})`, () => {
  const t = useTestDb();

  it('defuses cells that a spreadsheet would run as formulas, except plain negative numbers in numeric columns', () => {
    expect(safeCell('=HYPERLINK("http://x","点我")')).toBe(`'=HYPERLINK("http://x","点我")`);
    expect(safeCell('@SUM(A1)')).toBe(`'@SUM(A1)`);
    expect(safeCell('+cmd|calc')).toBe(`'+cmd|calc`);
    expect(safeCell('\t=1+1')).toBe(`'\t=1+1`);
    expect(safeCell('\r=1+1')).toBe(`'\r=1+1`);
    expect(safeCell('+86 138 0013 8000')).toBe(`'+86 138 0013 8000`);
    expect(safeCell('-12.50')).toBe(`'-12.50`); // text column
    expect(safeCell('-12.50', true)).toBe('-12.50');
    expect(safeCell('-3', true)).toBe('-3');
    expect(safeCell('-1+2', true)).toBe(`'-1+2`);
    expect(safeCell('-A1', true)).toBe(`'-A1`);
    expect(safeCell('宁波永固阀门')).toBe('宁波永固阀门');
    expect(safeCell('')).toBe('');
    expect(safeRecords([['-5', '-5', '=1']], [1])).toEqual([[`'-5`, '-5', `'=1`]]);
  });

  it('exports guarded cells over HTTP, and the exported file imports back as the same customers', async () => {
    const a = await buildApp({ db: t().db, adapters: [], dispatch: async () => ({}), logLevel: 'silent', plugins: [adminApi(t().db, TOKEN)] });
    const tenant = await ensureDefaultTenant(t().db, { name: '测试厂', timeZone: 'Asia/Shanghai' });
    const post = (kind: string, body: Buffer, apply: boolean) =>
      a.inject({ method: 'POST', url: `/admin/api/tenants/${tenant.id}/import/${kind}?apply=${apply}`, headers: { ...auth, 'content-type': 'text/csv; charset=utf-8' }, payload: body });
    expect((await post('users', Buffer.from('姓名,企业微信ID,角色\n管理员,admin1,管理员\n'), true)).statusCode).toBe(200);
    const file = '公司名称,电话,来源,标签\n"=HYPERLINK(""http://x"",""点我"")",,@微信群,-负面\n宁波永固阀门有限公司,+86 138 1234 5678,展会,\n';
    const created = await post('customers', Buffer.from(file), true);
    expect(created.json().result.counts).toMatchObject({ create: 2, bad: 0 });

    const out = await a.inject({ url: `/admin/api/tenants/${tenant.id}/export/customers.csv`, headers: auth });
    expect(out.statusCode).toBe(200);
    expect(out.headers['content-type']).toContain('utf-8');
    expect(out.headers['content-disposition']).toContain('customers.csv');
    expect([...out.rawPayload.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = out.rawPayload.subarray(3).toString('utf8');
    expect(text).toContain(`"'=HYPERLINK(""http://x"",""点我"")"`);
    expect(text).toContain(`'@微信群`);
    expect(text).toContain(`'-负面`);
    expect(text).toContain(`'+86 138 1234 5678`);
    expect(text).not.toMatch(/(^|,)[=+\-@]/m);

    const back = (await post('customers', out.rawPayload, false)).json();
    expect(back.result.counts).toMatchObject({ total: 2, create: 0, existing: 2, bad: 0 });
    // The problems file guards the cells as the export does, and they read back as the names that were imported.
    const problems = await a.inject({ url: back.problemsCsv, headers: auth });
    expect(problems.rawPayload.toString('utf8')).toContain(`"'=HYPERLINK(""http://x"",""点我"")"`);
    const rows = parseCsv(problems.rawPayload.toString('utf8')).slice(1);
    expect(rows.map((r) => [r.cells[1], r.cells[4]])).toEqual([['已存在', '=HYPERLINK("http://x","点我")'], ['已存在', '宁波永固阀门有限公司']]);
    await a.close();
  });
});
