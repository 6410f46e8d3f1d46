import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const run = (dataDir: string, args: string[], input: string) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'bots/console/cli.ts', ...args], {
    input,
    encoding: 'utf8',
    env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: '' },
    timeout: 60_000,
  });

describe('npm run chat: a scripted console session', () => {
  it('creates a customer and a deal, logs two follow-ups, advances to 方案 and shows the pipeline', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'chatcrm-cli-'));
    const script = [
      '/新客户 华东五金 13800138000',
      '/新商机 华东五金 不锈钢球阀 5万',
      '/跟进 D-1 电话联系了采购',
      '/跟进 D-1 上门拜访 下一步:出方案',
      '/推进 D-1 方案',
      '/漏斗',
    ].join('\n');
    const out = run(dataDir, ['--as', '张三'], script);
    expect(out.status).toBe(0);
    expect(out.stdout).toContain('已创建客户 C-1 华东五金');
    expect(out.stdout).toContain('已创建商机 D-1「不锈钢球阀」');
    expect(out.stdout.match(/已记录.{2}跟进/g)).toHaveLength(2);
    expect(out.stdout).toContain('线索 → 方案');
    expect(out.stdout).toMatch(/方案：1 个 · ¥50,000.00/);

    // A manager created with --role sees the approval card waiting in their mailbox on the next run.
    run(dataDir, ['--as', '李经理', '--role', 'manager'], '/帮助\n');
    run(dataDir, ['--as', '管理员', '--role', 'admin'], '/设置 上级 张三 李经理\n');
    run(dataDir, ['--as', '张三'], '/报价 D-1 3万\n');
    const manager = run(dataDir, ['--as', '李经理'], '1\n');
    expect(manager.stdout).toContain('你有 1 条新消息');
    expect(manager.stdout).toContain('报价审批 A-1');
    expect(manager.stdout).toContain('[1] 批准');
    // The answer to the press is said once: the toast is not printed again beside the same reply.
    expect(manager.stdout.match(/审批已全部通过/g)).toHaveLength(1);
    expect(manager.stdout).not.toContain('💬');
  }, 120_000);

  it('talks in a group chat with --group and shows what the group receives', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'chatcrm-cli-'));
    const rep = run(dataDir, ['--as', '张三', '--group', '华东群'], '/设置 战报 本群 华东销售部\n');
    expect(rep.stdout).toContain('张三@华东群> /设置 战报 本群 华东销售部');
    expect(rep.stdout).toContain('［华东群］');
    expect(rep.stdout).toContain('只有销售经理、销售总监或管理员可以设置群战报');
    const manager = run(dataDir, ['--as', '李经理', '--role', 'manager', '--group', '华东群'], '/设置 战报 本群 华东销售部\n');
    expect(manager.status).toBe(0);
    expect(manager.stdout).toContain('［华东群］');
    expect(manager.stdout).toContain('已开启本群战报：「华东销售部」团队（新建）');
    expect(manager.stdout).toContain('成员（1 人）：李经理');
  }, 120_000);

  it('explains how to use it when --as is missing', () => {
    const out = run(mkdtempSync(join(tmpdir(), 'chatcrm-cli-')), [], '');
    expect(out.status).toBe(2);
    expect(out.stderr).toContain('npm run chat -- --as');
  });
});
