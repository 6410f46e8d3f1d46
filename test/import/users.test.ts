import { sql } from 'drizzle-orm';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/rows.js';
import { decodeBytes, parseCsv } from '../../src/import/decode.js';
import { formatUsersReport, importUsers, isUsersFile } from '../../src/import/users.js';
import { ensureDefaultTenant } from '../../src/services/tenants.js';
import { testDriver, useTestDb } from '../helpers/db.js';

const csv = (text: string) => parseCsv(decodeBytes(iconv.encode(text, 'gbk')).text);

const FILE = [
  '姓名,企业微信ID,钉钉ID,角色,上级,团队,地区',
  '张三,zhangsan,,销售,李经理,华东一组,宁波', // manager defined further down
  '王五,wangwu,staff0002,业务员,李经理,华东一组,杭州',
  '李经理,lijingli,,经理,赵总,华东一组,上海',
  '赵总,zhaozong,,总监,,,',
  '钱七,qianqi,,会计,,,', // unknown role
  ',noname,,销售,,,', // no name
  '孙八,sunba,,销售,周九,,', // unknown manager
  '甲,jia,,销售,乙,,', // a loop: 甲 → 乙 → 甲
  '乙,yi,,销售,甲,,',
  '钱财,qiancai,,财务,,,',
].join('\r\n');

describe(`people import (${testDriver()})`, () => {
  const t = useTestDb();

  it('recognises a people file by its headers', () => {
    expect(isUsersFile(csv(FILE)[0]!.cells)).toBe(true);
    expect(isUsersFile(['公司名称', '电话', '负责人'])).toBe(false);
  });

  it('reports a dry run with line numbers, applies in one go, and re-applying changes nothing', async () => {
    const tenant = await ensureDefaultTenant(t().db, { name: '测试厂', timeZone: 'Asia/Shanghai' });
    // 钱财 already uses the bot on WeCom: the import updates that person instead of adding another.
    await t().db.execute(sql`insert into users (id, tenant_id, name) values ('00000000-0000-4000-8000-000000000001', ${tenant.id}, 'qiancai')`);
    await t().db.execute(sql`insert into user_identities (tenant_id, user_id, platform, platform_user_id) values (${tenant.id}, '00000000-0000-4000-8000-000000000001', 'wecom', 'qiancai')`);

    const dry = await importUsers(t().db, csv(FILE), { tenantId: tenant.id, apply: false });
    expect(dry.total).toBe(10);
    expect(dry.create.map((r) => r.name)).toEqual(['张三', '王五', '李经理', '赵总']);
    expect(dry.update.map((r) => r.name)).toEqual(['钱财']);
    expect(dry.bad.map((b) => b.line)).toEqual([6, 7, 8, 9, 10]);
    expect(dry.bad.find((b) => b.line === 6)!.problems[0]).toContain('“角色”写的是「会计」');
    expect(dry.bad.find((b) => b.line === 8)!.problems[0]).toContain('「周九」不在文件里');
    expect(dry.bad.find((b) => b.line === 9)!.problems.join()).toContain('循环');
    expect(dry.newTeams).toEqual(['华东一组']);
    expect(formatUsersReport(dry)).toContain('第 7 行 (无姓名)：“姓名”不能为空');
    expect(await queryRows(t().db, sql`select count(*)::int as n from users`)).toEqual([{ n: 1 }]);

    const applied = await importUsers(t().db, csv(FILE), { tenantId: tenant.id, apply: true });
    expect(applied.applied).toBe(true);
    const people = await queryRows<{ name: string; role: string; manager: string | null; team: string | null; region: string | null }>(
      t().db,
      sql`select u.name, u.role, m.name as manager, tm.name as team, u.region from users u
          left join users m on m.id = u.manager_id left join teams tm on tm.id = u.team_id order by u.name`,
    );
    expect(people).toEqual([
      { name: '张三', role: 'rep', manager: '李经理', team: '华东一组', region: '宁波' },
      { name: '李经理', role: 'manager', manager: '赵总', team: '华东一组', region: '上海' },
      { name: '王五', role: 'rep', manager: '李经理', team: '华东一组', region: '杭州' },
      { name: '赵总', role: 'director', manager: null, team: null, region: null },
      { name: '钱财', role: 'finance', manager: null, team: null, region: null },
    ]);
    expect(await queryRows(t().db, sql`select platform::text, platform_user_id from user_identities where platform_user_id like 'staff%'`)).toEqual([{ platform: 'dingtalk', platform_user_id: 'staff0002' }]);

    const again = await importUsers(t().db, csv(FILE), { tenantId: tenant.id, apply: true });
    expect(again.create).toEqual([]);
    expect(again.update).toHaveLength(5);
    expect(await queryRows(t().db, sql`select count(*)::int as n from users`)).toEqual([{ n: 5 }]);
    expect(await queryRows(t().db, sql`select count(*)::int as n from teams`)).toEqual([{ n: 1 }]);
  });
});
