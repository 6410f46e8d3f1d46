// `npm run export -- [--out <目录>] [--gbk] [--tenant <租户名>] [--only customers|deals|plans|receipts|targets]`
// Writes 客户-YYYYMMDD.csv and 商机-YYYYMMDD.csv (and 回款计划-, 回款-, 目标- when there are any) with Chinese headers; UTF-8 with BOM unless --gbk. While
// `npm start` holds the embedded database, the server produces the files (src/server/local-tools.ts).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DataDirLockedError } from '../db/lock.js';
import { openConfiguredDatabase, runTool } from '../import/open.js';
import { runningServer } from '../import/running-server.js';
import { LOCAL_EXPORT_PATH } from '../server/local-tools.js';
import { EXPORT_KINDS, runExportJob, type ExportFile, type ExportJob, type ExportKind } from './job.js';

const USAGE = `用法：npm run export -- [--out <目录>] [--gbk] [--tenant <租户名>] [--only customers|deals|plans|receipts|targets]
  默认导出 UTF-8（带 BOM）的客户和商机 CSV 文件到当前目录，有数据时另有回款计划、回款和目标；--gbk 改为 GBK 编码（老版本 Excel/WPS）。`;

async function run(): Promise<number> {
  const { values } = parseArgs({
    options: {
      out: { type: 'string', default: '.' },
      gbk: { type: 'boolean', default: false },
      tenant: { type: 'string' },
      only: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.error(USAGE);
    return 0;
  }
  if (values.only && !(EXPORT_KINDS as readonly string[]).includes(values.only)) {
    console.error(`--only 只能是 ${EXPORT_KINDS.join('、')} 之一。\n${USAGE}`);
    return 1;
  }
  const job: ExportJob = {
    ...(values.tenant ? { tenant: values.tenant } : {}),
    ...(values.only ? { only: values.only as ExportKind } : {}),
    gbk: values.gbk,
  };
  let files: ExportFile[];
  let database;
  try {
    database = await openConfiguredDatabase();
  } catch (err) {
    if (!(err instanceof DataDirLockedError)) throw err;
    const server = runningServer();
    console.error(`数据目录正被运行中的服务使用，改由服务导出（${server.describe}）…`);
    const got = await server.post<{ files: Array<Omit<ExportFile, 'bytes'> & { bytes: string }> }>(LOCAL_EXPORT_PATH, { job });
    files = got.files.map((f) => ({ ...f, bytes: Buffer.from(f.bytes, 'base64') }));
  }
  if (database) {
    try {
      files = await runExportJob(database.db, job);
    } finally {
      await database.close();
    }
  }
  const dir = resolve(values.out);
  mkdirSync(dir, { recursive: true });
  for (const f of files!) {
    const path = join(dir, f.name);
    writeFileSync(path, f.bytes);
    console.log(`已导出${f.label} ${f.rows} 条 → ${path}（${values.gbk ? 'GBK' : 'UTF-8 带 BOM'}）`);
    if (f.lost.length > 0) {
      console.error(`注意：${f.lost.slice(0, 20).join('')} 等 ${f.lost.length} 个字符 GBK 无法表示，已写成“?”。需要完整保留请不加 --gbk。`);
    }
  }
  return 0;
}

runTool(run, { cannot: '无法导出', failed: '导出失败' });
