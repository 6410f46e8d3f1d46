// `npm run import` and `npm run export` while `npm start` holds the embedded database: the tools hand the job to
// the running server over its signed loopback routes and print / write exactly what they would have locally.
// Real processes: the server as production starts it, the tools as a user runs them.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsv } from '../../src/import/decode.js';
import { killAll, startServer, type ServerProc } from '../helpers/procs.js';

const run = promisify(execFile);

describe('import and export through the running server (PGlite held by npm start)', () => {
  let dir: string;
  let server: ServerProc;
  let env: Record<string, string>;
  const tool = async (script: string, args: string[]) => {
    try {
      const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', script, ...args], { env: { ...process.env, ...env }, cwd: process.cwd() });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'chatcrm-tools-'));
    server = await startServer('tools-server', { DATA_DIR: join(dir, 'data') });
    env = { DATA_DIR: join(dir, 'data'), PORT: String(server.port), HOST: '127.0.0.1', DATABASE_URL: '' };
    writeFileSync(join(dir, 'people.csv'), '姓名,企业微信ID,角色\n王管理,wang.admin,管理员\n张销售,zhang.rep,销售\n');
    writeFileSync(join(dir, 'customers.csv'), '公司名称,电话,地区,行业\n余姚精工阀门,13800001111,宁波,阀门\n台州顺达泵业,13800002222,台州,泵\n昆山,139,江苏,\n');
    // Large enough for the progress line (≥ 256 KB): 6,000 customers, GBK as Excel saves it.
    const big = ['公司名称,电话,地区,行业,备注', ...Array.from({ length: 6000 }, (_, i) => `苏州精密零件第${i + 1}分厂,1${String(5_000_000_000 + i * 7)},江苏,机械,${'样品已寄出'.repeat(4)}`)];
    writeFileSync(join(dir, '大客户表.csv'), iconv.encode(big.join('\r\n') + '\r\n', 'gbk'));
  }, 120_000);
  afterAll(async () => {
    await killAll();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a dry run, then --apply, go through the server and report as a local run would', async () => {
    // People first (customers need an importer): the people import takes the same way.
    const people = await tool('src/import/cli.ts', [join(dir, 'people.csv'), '--apply']);
    expect(people.code, people.stderr).toBe(0);
    expect(people.stderr).toMatch(/租户：我的公司；人员导入\n/);
    expect(people.stdout).toContain('王管理');

    const dry = await tool('src/import/cli.ts', [join(dir, 'customers.csv')]);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stderr).toContain('数据目录正被运行中的服务使用，改由服务执行导入');
    expect(dry.stderr).toMatch(/数据库：PGlite.*（通过运行中的服务）；租户：我的公司；导入人：.*（试运行）/);
    expect(dry.stdout).toContain('将新建：2');
    // The row to fix is in the problems file next to the input, downloaded from the server's job.
    expect(dry.stdout).toContain(`有问题或未导入的 1 行（含行号和原因）已写入：${join(dir, 'customers-问题行.csv')}`);
    expect(parseCsv(readFileSync(join(dir, 'customers-问题行.csv'), 'utf8')).map((r) => r.cells)).toEqual([
      ['行号', '结果', '原因', '公司名称', '电话', '地区', '行业'],
      ['4', '需修改', '电话「139」不像手机或座机号码，请填 11 位手机号或带区号的座机号', '昆山', '139', '江苏', ''],
    ]);

    const applied = await tool('src/import/cli.ts', [join(dir, 'customers.csv'), '--apply']);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toContain('已新建：2');
    // The same file again: both exist now, nothing new.
    const again = await tool('src/import/cli.ts', [join(dir, 'customers.csv'), '--apply']);
    expect(again.stdout).toContain('已新建：0');
    expect(parseCsv(readFileSync(join(dir, 'customers-问题行.csv'), 'utf8')).map((r) => r.cells.slice(0, 2))).toEqual([
      ['行号', '结果'],
      ['2', '已存在'],
      ['3', '已存在'],
      ['4', '需修改'],
    ]);

    // A larger file: progress lines on stderr while the server writes it in batches.
    const bigApply = await tool('src/import/cli.ts', [join(dir, '大客户表.csv'), '--apply']);
    expect(bigApply.code, bigApply.stderr).toBe(0);
    expect(bigApply.stderr).toMatch(/写入中：已读 [\d,]+ 行、已写入 [\d,]+ 行，[\d.]+ \/ [\d.]+ MB（\d+%）/);
    expect(bigApply.stderr).toMatch(/写入中：已读 6,000 行、已写入 6,000 行，[\d.]+ \/ [\d.]+ MB（100%）/);
    expect(bigApply.stdout).toContain('已新建：6000');
    expect(bigApply.stdout).toMatch(/新客户编号：C-3 … C-6002/);
    expect(bigApply.stdout).not.toContain('问题行');
  }, 180_000);

  it('export writes the server’s customers to local files', async () => {
    const out = join(dir, 'out');
    const res = await tool('src/export/cli.ts', ['--out', out, '--only', 'customers']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toContain('改由服务导出');
    expect(res.stdout).toMatch(/已导出客户 6002 条 → .*客户-\d{8}\.csv（UTF-8 带 BOM）/);
    const [file] = readdirSync(out);
    const text = readFileSync(join(out, file!), 'utf8');
    expect(text.charCodeAt(0)).toBe(0xfeff);
    expect(text).toContain('余姚精工阀门');
    expect(text).toContain('台州顺达泵业');
  }, 120_000);

  it('the server refuses a job that is not signed with the data directory’s key', async () => {
    const body = JSON.stringify({ job: { gbk: false } });
    const res = await fetch(`${server.base}/local/export`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-console-timestamp': String(Date.now()), 'x-console-signature': 'f'.repeat(64) },
      body,
    });
    expect(res.status).toBe(401);
    expect(await res.text()).not.toContain('余姚');
  });
});
