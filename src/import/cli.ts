// `npm run import -- customers.csv|people.csv [--kind customers|users] [--apply] [--tenant <名称>] [--as <用户>] [--map 表头=字段 …] [--all]`
// Dry run by default: prints what would be created, what already exists, in-file duplicates and rows to fix.
// The kind of file is read from its header (姓名 → people, 公司名称 → customers) unless --kind says.
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { readCsvFile } from './decode.js';
import { detectImportKind, formatUsersReport, importUsers } from './users.js';
import { findImporter, formatReport, IMPORT_FIELDS, importCustomers, type ImportField } from './customers.js';
import { openConfiguredDatabase, pickTenant, progressPrinter, runTool } from './open.js';

const USAGE = `用法：npm run import -- <客户.csv 或 人员.csv> [--kind customers|users] [--apply] [--tenant <租户名>] [--as <导入人>] [--map 表头=字段] [--all]
  默认只试运行，不写数据库；确认报告无误后加 --apply 才真正导入（全部在一个事务里完成）。
  --kind    customers（客户）或 users（人员）；默认按表头判断：有“姓名”是人员，有“公司名称”是客户
  --tenant  导入到哪个租户（默认第一个）
  --as      导入人（名字或平台账号 ID），“负责人”为空的行归他；默认租户管理员
  --map     自定义表头，例如 --map 客户全称=name --map 手机号码=phone（可重复）
            字段：${IMPORT_FIELDS.join(', ')}
  --all     列出全部行（默认每类最多列 50 行）
  人员文件（表头含“姓名”和 企业微信ID/钉钉ID/飞书ID/角色）按人员导入：姓名,企业微信ID,钉钉ID,飞书ID,角色,上级,团队,地区`;

async function run(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      apply: { type: 'boolean', default: false },
      tenant: { type: 'string' },
      as: { type: 'string' },
      map: { type: 'string', multiple: true },
      all: { type: 'boolean', default: false },
      kind: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const file = positionals[0];
  if (values.help || !file || positionals.length > 1) {
    console.error(USAGE);
    return values.help ? 0 : 1;
  }
  const mapping: Record<string, ImportField | null> = {};
  for (const m of values.map ?? []) {
    const [header, field] = m.split('=');
    if (!header || field === undefined || !(field === '' || (IMPORT_FIELDS as readonly string[]).includes(field))) {
      console.error(`--map ${m} 写法不对：应为“表头=字段”，字段是 ${IMPORT_FIELDS.join(', ')} 之一（留空表示忽略该列）。`);
      return 1;
    }
    mapping[header] = field === '' ? null : (field as ImportField);
  }

  if (values.kind !== undefined && values.kind !== 'customers' && values.kind !== 'users') {
    console.error(`--kind 只能是 customers（客户）或 users（人员）。\n${USAGE}`);
    return 1;
  }
  if (!existsSync(file)) {
    console.error(`找不到文件：${file}`);
    return 1;
  }
  const database = await openConfiguredDatabase();
  try {
    const tenant = await pickTenant(database, values.tenant);
    const { encoding, records } = await readCsvFile(file);
    const kind = values.kind ?? detectImportKind(records[0]?.cells ?? []);
    if (kind === 'users') {
      console.error(`数据库：${database.describe}；租户：${tenant.name}；人员导入${values.apply ? '' : '（试运行）'}`);
      const report = { ...(await importUsers(database.db, records, { tenantId: tenant.id, apply: values.apply })), encoding };
      console.log(formatUsersReport(report, { limit: values.all ? Number.MAX_SAFE_INTEGER : 50 }));
      return 0;
    }
    const importer = await findImporter(database.db, tenant.id, values.as);
    console.error(`数据库：${database.describe}；租户：${tenant.name}；导入人：${importer.name}${values.apply ? '' : '（试运行）'}`);
    const progress = progressPrinter((phase) => (phase === 'check' ? '检查中' : '写入中'));
    const report = await importCustomers(database.db, records, {
      tenantId: tenant.id,
      importer,
      mapping,
      apply: values.apply,
      timeZone: tenant.timeZone,
      onProgress: progress,
    });
    console.log(formatReport({ ...report, encoding }, { limit: values.all ? Number.MAX_SAFE_INTEGER : 50 }));
    return 0;
  } finally {
    await database.close();
  }
}

runTool(run, { cannot: '无法导入', failed: '导入失败（没有写入任何数据）' });
