// `npm run import -- customers.csv|people.csv [--kind customers|users|plans|receipts|targets] [--apply] [--tenant <名称>] [--as <用户>] [--map 表头=字段 …] [--all]`
// Dry run by default: prints what would be created, what already exists, in-file duplicates and rows to fix, with a
// progress line on stderr; every row that is not created as it stands goes to <file>-问题行.csv (--problems).
// While `npm start` holds the embedded database, the server runs the import (src/server/local-tools.ts).
// The kind of file is read from its header (姓名 → people, 公司名称 → customers) unless --kind says.
import { existsSync, rmSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { DataDirLockedError } from '../db/lock.js';
import { LOCAL_IMPORTS_PATH } from '../server/local-tools.js';
import { IMPORT_FIELDS, ImportFileError, type ImportField } from './customers.js';
import { IMPORT_KINDS, runImportJob, type ImportJob, type ImportKind, type ImportOutput } from './job.js';
import type { ImportJobView } from './jobs.js';
import { openConfiguredDatabase, runTool } from './open.js';
import { importProgressLine, type ImportProgress } from './progress.js';
import { runningServer } from './running-server.js';

const USAGE = `用法：npm run import -- <客户.csv 或 人员.csv> [--kind customers|users|plans|receipts|targets] [--apply] [--tenant <租户名>] [--as <导入人>] [--map 表头=字段] [--all] [--problems <文件>]
  默认只试运行，不写数据库；确认报告无误后加 --apply 才真正导入（每 500 行一个事务；中断后重新运行同一文件即可继续，已导入的行会被识别为已存在）。
  文件最大 50 MB（约 20 万行以上），边读边导入。
  --kind    customers（客户）或 users（人员）；默认按表头判断：有“姓名”是人员，有“公司名称”是客户
  --tenant  导入到哪个租户（默认第一个）
  --as      导入人（名字或平台账号 ID），记入操作日志；默认租户管理员。“负责人”为空的行按分配规则分配，没有规则时进公海
  --map     自定义表头，例如 --map 客户全称=name --map 手机号码=phone（可重复）
            字段：${IMPORT_FIELDS.join(', ')}
  --all     列出全部行（默认每类最多列 50 行）
  --problems 问题行文件的位置（默认与导入文件同目录的“<文件名>-问题行.csv”：行号、结果、原因和原来的各列）
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
      problems: { type: 'string' },
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
  // Rows that were not created as they stand (to fix, or already there) are written next to the file.
  const problemsPath = values.problems ?? join(dirname(file), `${basename(file, extname(file))}-问题行.csv`);
  const progress = importProgressLine();
  let database;
  try {
    database = await openConfiguredDatabase();
  } catch (err) {
    if (!(err instanceof DataDirLockedError)) throw err;
    // The server holds the embedded database: it runs the same import for us.
    const server = runningServer();
    console.error(`数据目录正被运行中的服务使用，改由服务执行导入（${server.describe}）…`);
    const { id } = await server.uploadImport(file, job);
    for (;;) {
      const v = await server.get<ImportJobView & { output?: ImportOutput }>(`${LOCAL_IMPORTS_PATH}/${id}`);
      progress(v.progress, v.status !== 'running');
      if (v.status === 'failed') throw v.userError ? new ImportFileError(v.error ?? '导入失败') : new Error(v.error ?? '导入失败');
      if (v.status === 'interrupted') throw new ImportFileError(v.error ?? '导入中断');
      if (v.status === 'done' && v.output) {
        if (v.problemRows) await server.download(`${LOCAL_IMPORTS_PATH}/${id}/problems.csv`, problemsPath);
        finish(v.output, v.problemRows ?? 0, problemsPath);
        return 0;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    let last: ImportProgress | undefined;
    const out = await runImportJob(database.db, database.describe, file, job, { onProgress: (p) => progress((last = { ...p })), problemsPath });
    if (last) progress(last, true);
    finish(out, out.summary.kind === 'customers' ? out.summary.problems.count : 0, problemsPath);
    return 0;
  } finally {
    await database.close();
  }
}

/** Prints the report, and where the problem rows are (or removes an empty problems file). */
function finish(out: ImportOutput, problemRows: number, problemsPath: string) {
  console.error(out.info);
  console.log(out.report);
  if (problemRows > 0) console.log(`\n有问题或未导入的 ${problemRows} 行（含行号和原因）已写入：${problemsPath}\n可在 Excel 中修改后重新导入（“行号”“结果”“原因”三列会被忽略）。`);
  else rmSync(problemsPath, { force: true });
}

runTool(run, { cannot: '无法导入', failed: '导入失败（没有写入任何数据）' });
