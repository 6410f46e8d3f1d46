import { sql } from 'drizzle-orm';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/client.js';
import { queryRows } from '../../src/db/rows.js';
import { decodeBytes, parseCsv } from '../../src/import/decode.js';
import { detectImportKind, formatUsersReport, importUsers, isUsersFile } from '../../src/import/users.js';
import { ensureDefaultTenant } from '../../src/services/tenants.js';
import { testDriver, useTestDb } from '../helpers/db.js';

const csv = (text: string) => parseCsv(decodeBytes(iconv.encode(text, 'gbk')).text);
const count = async (db: Db, table: string) =>
  Number((await queryRows<{ n: number }>(db, sql.raw(`select count(*)::int as n from ${table}`)))[0]!.n);

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
  '周十,zhoushi,,manager,钱七,,', // manager's own row is bad
].join('\r\n');

async function people(db: Db) {
  return queryRows<{ name: string; role: string; manager: string | null; team: string | null; region: string | null }>(
    db,
    sql`select u.name, u.role, m.name as manager, tm.name as team, u.region from users u
        left join users m on m.id = u.manager_id left join teams tm on tm.id = u.team_id order by u.name`,
  );
}

describe(`people import (${testDriver()})`, () => {
  const t = useTestDb();

  it('recognises a people file by its headers', () => {
    expect(isUsersFile(csv(FILE)[0]!.cells)).toBe(true);
    expect(isUsersFile(['公司名称', '电话', '负责人'])).toBe(false);
    expect(detectImportKind(csv(FILE)[0]!.cells)).toBe('users');
    expect(detectImportKind(['姓名', '团队'])).toBe('users');
    expect(detectImportKind(['* 公司名称（必填）', '电话', '负责人'])).toBe('customers');
    expect(detectImportKind(['电话', '地区'])).toBe('customers');
  });

  it('reports a dry run with line numbers, applies in one go, and re-applying changes nothing', async () => {
    const db = t().db;
    const tenant = await ensureDefaultTenant(db, { name: '测试厂', timeZone: 'Asia/Shanghai' });
    // 钱财 already uses the bot on WeCom (named by its account id): the import updates that person instead of adding another.
    await db.execute(sql`insert into users (id, tenant_id, name) values ('00000000-0000-4000-8000-000000000001', ${tenant.id}, 'qiancai')`);
    await db.execute(sql`insert into user_identities (tenant_id, user_id, platform, platform_user_id) values (${tenant.id}, '00000000-0000-4000-8000-000000000001', 'wecom', 'qiancai')`);

    const dry = await importUsers(db, csv(FILE), { tenantId: tenant.id, apply: false });
    expect(dry.applied).toBe(false);
    expect(dry.total).toBe(11);
    expect(dry.create.map((r) => [r.line, r.name])).toEqual([[2, '张三'], [3, '王五'], [4, '李经理'], [5, '赵总']]);
    expect(dry.update.map((r) => [r.line, r.name, r.matchedBy])).toEqual([[11, '钱财', 'platform']]);
    expect(dry.update[0]!.changes).toEqual(['姓名 qiancai → 钱财', '角色 销售 → 财务']);
    expect(dry.unchanged).toEqual([]);
    expect(dry.bad.map((b) => b.line)).toEqual([6, 7, 8, 9, 10, 12]);
    const problem = (line: number) => dry.bad.find((b) => b.line === line)!.problems.join('；');
    expect(problem(6)).toContain('“角色”写的是「会计」');
    expect(problem(7)).toContain('“姓名”为空');
    expect(problem(8)).toContain('「周九」不在文件里，也不在系统里');
    expect(problem(9)).toContain('循环（甲 → 乙 → 甲）');
    expect(problem(10)).toContain('循环（乙 → 甲 → 乙）');
    expect(problem(12)).toContain('“上级”「钱七」所在的第 6 行有问题');
    expect(dry.newTeams).toEqual(['华东一组']);
    expect(dry.warnings).toEqual([]);
    const text = formatUsersReport(dry);
    expect(text).toContain('试运行');
    expect(text).toContain('第 7 行（无姓名）：“姓名”为空');
    expect(text).toContain('第 2 行「张三」销售，上级：李经理，团队：华东一组，地区：宁波');
    expect(text).toContain('第 11 行「钱财」：姓名 qiancai → 钱财；角色 销售 → 财务');
    expect(await count(db, 'users')).toBe(1);
    expect(await count(db, 'teams')).toBe(0);

    const applied = await importUsers(db, csv(FILE), { tenantId: tenant.id, apply: true });
    expect(applied.applied).toBe(true);
    expect([applied.create.length, applied.update.length, applied.bad.length]).toEqual([4, 1, 6]);
    expect(await people(db)).toEqual([
      { name: '张三', role: 'rep', manager: '李经理', team: '华东一组', region: '宁波' },
      { name: '李经理', role: 'manager', manager: '赵总', team: '华东一组', region: '上海' },
      { name: '王五', role: 'rep', manager: '李经理', team: '华东一组', region: '杭州' },
      { name: '赵总', role: 'director', manager: null, team: null, region: null },
      { name: '钱财', role: 'finance', manager: null, team: null, region: null },
    ]);
    expect(await queryRows(db, sql`select platform::text, platform_user_id from user_identities where platform_user_id like 'staff%'`)).toEqual([
      { platform: 'dingtalk', platform_user_id: 'staff0002' },
    ]);
    expect(await count(db, 'user_identities')).toBe(6);
    expect(await count(db, 'audit_log')).toBe(5);

    const before = [await count(db, 'users'), await count(db, 'user_identities'), await count(db, 'teams'), await count(db, 'audit_log')];
    const again = await importUsers(db, csv(FILE), { tenantId: tenant.id, apply: true });
    expect(again.create).toEqual([]);
    expect(again.update).toEqual([]);
    expect(again.unchanged.map((r) => r.name)).toEqual(['张三', '王五', '李经理', '赵总', '钱财']);
    expect(again.newTeams).toEqual([]);
    expect([await count(db, 'users'), await count(db, 'user_identities'), await count(db, 'teams'), await count(db, 'audit_log')]).toEqual(before);
    expect(formatUsersReport(again)).toContain('已存在且没有变化：5');
  });

  it('updates without demoting, moves managers, and refuses loops through people already in the system', async () => {
    const db = t().db;
    const tenant = await ensureDefaultTenant(db, { name: '测试厂', timeZone: 'Asia/Shanghai' });
    // The state left by the previous test: 张三 → 李经理 → 赵总.
    const file = [
      '姓名,企业微信ID,钉钉ID,上级,地区',
      '王五,,,赵总,', // matched by name; no 角色 column: stays a rep; 上级 moves to 赵总
      '赵总,zhaozong,,张三,', // 赵总 → 张三 → 李经理 → 赵总
      '李经理,other-id,,,', // same name, but 李经理 is bound to another WeCom account
      '新人,zhangsan,lisi-ding,,', // zhangsan is 张三's WeCom id: a rename of 张三, who has no DingTalk id yet
      '新人2,wangwu,lijingli,,', // wangwu (王五) on WeCom; lijingli is not a DingTalk id → new binding? no: matched 王五 twice
    ].join('\n');
    const dry = await importUsers(db, csv(file), { tenantId: tenant.id, apply: false });
    expect(dry.update.map((r) => [r.line, r.name, r.changes])).toEqual([
      [2, '王五', ['上级 李经理 → 赵总']],
      [5, '新人', ['姓名 张三 → 新人', '绑定钉钉ID lisi-ding']],
    ]);
    expect(dry.update[0]!.role).toBe('rep');
    expect(dry.bad.map((b) => b.line)).toEqual([3, 4, 6]);
    expect(dry.bad[0]!.problems.join()).toContain('循环（赵总 → 张三 → 李经理 → 赵总）');
    expect(dry.bad[1]!.problems.join()).toContain('已绑定企业微信ID「lijingli」');
    expect(dry.bad[2]!.problems.join()).toContain('与第 2 行是系统里的同一个人「王五」');

    await importUsers(db, csv(file), { tenantId: tenant.id, apply: true });
    expect((await people(db)).map((p) => [p.name, p.role, p.manager])).toEqual([
      ['新人', 'rep', '李经理'],
      ['李经理', 'manager', '赵总'],
      ['王五', 'rep', '赵总'],
      ['赵总', 'director', null],
      ['钱财', 'finance', null],
    ]);
    expect(await queryRows(db, sql`select count(*)::int as n from user_identities i join users u on u.id = i.user_id where u.name = '新人'`)).toEqual([{ n: 2 }]);
  });

  it('refuses a file without a 姓名 column and explains which ids belong to different people', async () => {
    const db = t().db;
    const tenant = await ensureDefaultTenant(db, { name: '测试厂', timeZone: 'Asia/Shanghai' });
    await expect(importUsers(db, csv('账号,角色\r\na,销售\r\n'), { tenantId: tenant.id })).rejects.toThrow('找不到“姓名”列');
    const noId = await importUsers(db, csv('姓名,角色\r\n新同事,销售\r\n'), { tenantId: tenant.id });
    expect(noId.create.map((r) => r.name)).toEqual(['新同事']);
    expect(formatUsersReport(noId)).toContain('第 2 行「新同事」没有填写企业微信/钉钉/飞书 ID');
    const dry = await importUsers(db, csv('姓名,企业微信ID,钉钉ID,角色\r\n某人,wangwu,staff0002,销售\r\n某人2,zhaozong,staff0002,admin\r\n'), { tenantId: tenant.id });
    // staff0002 is 王五's DingTalk id and zhaozong is 赵总's WeCom id; line 3 also repeats line 2's DingTalk id.
    expect(dry.update.map((r) => r.line)).toEqual([2]);
    expect(dry.bad).toHaveLength(1);
    expect(dry.bad[0]!.problems.join()).toContain('钉钉ID「staff0002」与第 2 行相同');
    const mixed = await importUsers(db, csv('姓名,企业微信ID,钉钉ID\r\n某人,zhaozong,staff0002\r\n'), { tenantId: tenant.id });
    expect(mixed.bad[0]!.problems.join()).toContain('分别属于系统里的「赵总」和「王五」');
  });
  it('audits each written person with no actor at the import clock: before, after, ids and line', async () => {
    const db = t().db;
    // A tenant of its own: the tests above leave people (also a 李经理) in the default one.
    const [tenant] = await queryRows<{ id: string }>(db, sql`insert into tenants (name) values ('审计厂') returning id`);
    const tid = tenant!.id;
    const now = new Date('2026-03-02T01:00:00Z');
    await importUsers(db, csv('姓名,企业微信ID,角色,上级,团队\n赵总,zhaozong,总监,,\n李经理,lijingli,经理,赵总,华东一组'), { tenantId: tid, apply: true, now });
    const later = new Date('2026-03-03T01:00:00Z');
    await importUsers(db, csv('姓名,钉钉ID,地区\n李经理,staff01,上海'), { tenantId: tid, apply: true, now: later });
    const rows = await queryRows<{ action: string; actor_id: string | null; before: unknown; after: Record<string, unknown>; created_at: Date | string; entity_id: string }>(
      db,
      sql`select action, actor_id, before, after, created_at, entity_id from audit_log where entity_type = 'user' and tenant_id = ${tid} order by created_at, (after->>'line')::int`,
    );
    const [zhao, li] = await Promise.all(['赵总', '李经理'].map(async (n) => (await queryRows<{ id: string; team_id: string }>(db, sql`select id, team_id from users where tenant_id = ${tid} and name = ${n}`))[0]!));
    expect(rows.map((r) => [r.action, r.actor_id, new Date(r.created_at).toISOString(), r.entity_id])).toEqual([
      ['user.import.create', null, now.toISOString(), zhao!.id],
      ['user.import.create', null, now.toISOString(), li!.id],
      ['user.import.update', null, later.toISOString(), li!.id],
    ]);
    expect(rows[0]!.before).toBeNull();
    expect(rows[1]!.after).toEqual({ name: '李经理', role: 'manager', managerId: zhao!.id, teamId: li!.team_id, region: null, ids: { wecom: 'lijingli' }, line: 3 });
    expect(rows[2]!.before).toEqual({ name: '李经理', role: 'manager', managerId: zhao!.id, teamId: li!.team_id, region: null, ids: { wecom: ['lijingli'] } });
    expect(rows[2]!.after).toEqual({ name: '李经理', role: 'manager', managerId: zhao!.id, teamId: li!.team_id, region: '上海', ids: { dingtalk: 'staff01' }, line: 2 });
    const updated = await queryRows<{ updated_at: Date | string }>(db, sql`select updated_at from users where id = ${li!.id}`);
    expect(new Date(updated[0]!.updated_at).toISOString()).toBe(later.toISOString());
  });
});
