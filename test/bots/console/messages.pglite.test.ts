// What the console says about where it is: the database it uses, a warning when a server runs on another data
// directory (a console on the wrong DATA_DIR silently used an empty database), the note that --role applies only
// to a new user, and that it talks to the running server when that one holds the database.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killAll, startServer, type ServerProc } from '../../helpers/procs.js';

function chat(env: Record<string, string>, args: string[], input: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bots/console/cli.ts', ...args], { env: { ...process.env, DATABASE_URL: '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

describe('npm run chat says which database it uses', () => {
  let dir: string;
  let server: ServerProc;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'chatcrm-console-'));
    server = await startServer('console-server', { DATA_DIR: join(dir, 'server') });
  }, 120_000);
  afterAll(async () => {
    await killAll();
    rmSync(dir, { recursive: true, force: true });
  });

  it('on its own data directory: names it, and warns that a server on this port uses another one', async () => {
    const own = join(dir, 'other');
    const out = await chat({ DATA_DIR: own, PORT: String(server.port), HOST: '127.0.0.1' }, ['--as', '张三'], '/帮助\n');
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toContain(`🗄 数据库：PGlite (嵌入式) ${join(own, 'pglite')}`);
    expect(out.stdout).toContain(`⚠️ 127.0.0.1:${server.port} 上有一个 ChatCRM 服务在运行，但它没有占用这个数据库`);
    expect(out.stdout).toContain('请用与服务相同的 DATA_DIR / DATABASE_URL 重新运行 npm run chat');
    expect(out.stdout).not.toContain('--role');
  }, 60_000);

  it('on the server’s data directory: talks to the server, no warning', async () => {
    const out = await chat({ DATA_DIR: join(dir, 'server'), PORT: String(server.port), HOST: '127.0.0.1' }, ['--as', '李四'], '/新客户 余姚精工阀门\n');
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toContain(`🗄 数据库：通过运行中的服务 http://127.0.0.1:${server.port}/bots/console/message`);
    expect(out.stdout).not.toContain('⚠️');
    expect(out.stdout).toContain('已创建客户 C-1 余姚精工阀门');
  }, 60_000);

  it('--role: says it only applies to a user seen for the first time', async () => {
    const out = await chat({ DATA_DIR: join(dir, 'role'), PORT: '1', HOST: '127.0.0.1' }, ['--as', '王五', '--role', 'manager'], '/帮助\n');
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toContain('ℹ️ --role manager 只对第一次出现的「王五」生效；已有用户的角色不变');
    const bad = await chat({ DATA_DIR: join(dir, 'role'), PORT: '1', HOST: '127.0.0.1' }, ['--as', '王五', '--role', 'boss'], '');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--role 只能是：rep / manager / director / finance / tech / admin');
  }, 60_000);
});
