// `npm run import -- customers.csv|people.csv [--kind customers|users|plans|receipts|targets] [--apply] [--tenant <名称>] [--as <用户>] [--map 表头=字段 …] [--all]`
// Dry run by default: prints what would be created, what already exists, in-file duplicates and rows to fix.
// While `npm start` holds the embedded database, the server runs the import (src/server/local-tools.ts).
// The kind of file is read from its header (姓名 → people, 公司名称 → customers) unless --kind says.
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DataDirLockedError } from '../db/lock.js';
import { LOCAL_IMPORT_PATH } from '../server/local-tools.js';
import { IMPORT_FIELDS, type ImportField } from './customers.js';
import { IMPORT_KINDS, runImportJob, type ImportJob, type ImportKind, type ImportOutput } from './job.js';
import { openConfiguredDatabase, progressPrinter, runTool } from './open.js';
import { runningServer } from './running-server.js';

const USAGE = `用法：npm run import -- <客户.csv 或 人员.csv> [--kind customers|users|plans|receipts|targets] [--apply] [--tenant <租户名>] [--as <导入人>] [--map 表头=字段] [--all]
  默认只试运行，不写数据库；确认报告无误后加 --apply 才真正导入（全部在一个事务里完成）。
  --kind    customers（客户）或 users（人员）；默认按表头判断：有“姓名”是人员，有“公司名称”是客户
  --tenant  导入到哪个租户（默认第一个）
  --as      导入人（名字或平台账号 ID），“负责人”为空的行归他；默认租户管理员
  --map     自定义表头，例如 --map 客户全称=name --map 手机号码=phone（可重复）
            字段：${IMPORT_FIELDS.join(', ')}
  --all     列出全部行（默认每类最多列 50 行）
  人员文件（表头含“姓名”和 企业微信ID/钉钉ID/飞书ID/角色）按人员导入：姓名,企业微信ID,钉钉ID,飞书ID,角色,上级,团队,地区
  回款计划：商机编号,期数,到期日,金额（或 比例）   回款：商机编号,金额,回款日期,备注   目标：类型,名称,月份,金额`;

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

  if (values.kind !== undefined && !(IMPORT_KINDS as readonly string[]).includes(values.kind)) {
    console.error(`--kind 只能是 customers（客户）、users（人员）、plans（回款计划）、receipts（回款）或 targets（目标）。\n${USAGE}`);
    return 1;
  }
  if (!existsSync(file)) {
    console.error(`找不到文件：${file}`);
    return 1;
  }
  const job: ImportJob = {
    ...(values.kind ? { kind: values.kind as ImportKind } : {}),
    ...(values.tenant ? { tenant: values.tenant } : {}),
    ...(values.as ? { as: values.as } : {}),
    mapping,
    apply: values.apply,
    all: values.all,
  };
  const bytes = readFileSync(file);
  let database;
  try {
    database = await openConfiguredDatabase();
  } catch (err) {
    if (!(err instanceof DataDirLockedError)) throw err;
    // The server holds the embedded database: it runs the same import for us.
    const server = runningServer();
    console.error(`数据目录正被运行中的服务使用，改由服务执行导入（${server.describe}）…`);
    const out = await server.post<ImportOutput>(LOCAL_IMPORT_PATH, { job, file: bytes.toString('base64') });
    console.error(out.info);
    console.log(out.report);
    return 0;
  }
  try {
    const progress = progressPrinter((phase) => (phase === 'check' ? '检查中' : '写入中'));
    const out = await runImportJob(database.db, database.describe, bytes, job, progress);
    console.error(out.info);
    console.log(out.report);
    return 0;
  } finally {
    await database.close();
  }
}

runTool(run, { cannot: '无法导入', failed: '导入失败（没有写入任何数据）' });
