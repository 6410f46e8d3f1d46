// `npm run export -- [--out <目录>] [--gbk] [--tenant <租户名>] [--only customers|deals]`
// Writes 客户-YYYYMMDD.csv and 商机-YYYYMMDD.csv with Chinese headers; UTF-8 with BOM unless --gbk.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { formatDay } from '../domain/dates.js';
import { openConfiguredDatabase, pickTenant, runTool } from '../import/open.js';
import { customersCsv, dealsCsv, encodeCsv, unencodableInGbk } from './customers.js';

const USAGE = `用法：npm run export -- [--out <目录>] [--gbk] [--tenant <租户名>] [--only customers|deals]
  默认导出 UTF-8（带 BOM）的客户和商机两个 CSV 文件到当前目录；--gbk 改为 GBK 编码（老版本 Excel/WPS）。`;

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
  if (values.only && values.only !== 'customers' && values.only !== 'deals') {
    console.error(`--only 只能是 customers 或 deals。\n${USAGE}`);
    return 1;
  }
  const database = await openConfiguredDatabase();
  try {
    const tenant = await pickTenant(database, values.tenant);
    const dir = resolve(values.out);
    mkdirSync(dir, { recursive: true });
    const day = formatDay(new Date(), tenant.timeZone).replace(/-/g, '');
    const jobs = [
      { kind: 'customers', label: '客户', make: customersCsv },
      { kind: 'deals', label: '商机', make: dealsCsv },
    ].filter((j) => !values.only || j.kind === values.only);
    for (const job of jobs) {
      const { text, rows } = await job.make(database.db, tenant.id);
      const path = join(dir, `${job.label}-${day}.csv`);
      writeFileSync(path, encodeCsv(text, values.gbk ? 'gbk' : 'utf-8-bom'));
      console.log(`已导出${job.label} ${rows} 条 → ${path}（${values.gbk ? 'GBK' : 'UTF-8 带 BOM'}）`);
      if (values.gbk) {
        const lost = unencodableInGbk(text);
        if (lost.length > 0)
          console.error(`注意：${lost.slice(0, 20).join('')} 等 ${lost.length} 个字符 GBK 无法表示，已写成“?”。需要完整保留请不加 --gbk。`);
      }
    }
    return 0;
  } finally {
    await database.close();
  }
}

runTool(run, { cannot: '无法导出', failed: '导出失败' });
