import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client.js';
import { DataDirLockedError } from '../../src/db/lock.js';
import { tenants } from '../../src/db/schema/index.js';

// Run node itself with the tsx loader, so the pid we kill is the process holding the database.
const NODE_TSX = [process.execPath, '--import', 'tsx'];

function startChild(dir: string, name: string): Promise<{ child: ChildProcess; id: string }> {
  const child = spawn(NODE_TSX[0]!, [...NODE_TSX.slice(1), 'test/db/fixtures/commit-and-hang.ts', dir, name], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`child did not commit: ${err}`)), 40_000);
    child.stderr!.on('data', (d) => (err += d));
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /COMMITTED (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, id: m[1]! });
      }
    });
    child.on('exit', (code) => reject(new Error(`child exited ${code}: ${err}`)));
  });
}

describe('embedded PGlite durability and single-process lock', () => {
  it('keeps a committed row after kill -9, and refuses a second process while the first lives', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'chatcrm-crash-'));
    const { child, id } = await startChild(dataDir, '崩溃测试');

    // While the child lives, a second opener fails fast with a clear message instead of hanging.
    const started = Date.now();
    await expect(openDatabase({ dataDir })).rejects.toBeInstanceOf(DataDirLockedError);
    expect(Date.now() - started).toBeLessThan(2000);

    // `npm start` on the same directory exits at once with the same explanation.
    const second = spawnSync(NODE_TSX[0]!, [...NODE_TSX.slice(1), 'src/main.ts'], {
      env: { ...process.env, DATA_DIR: dataDir, PORT: '0', DATABASE_URL: '' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(second.status).toBe(1);
    expect(second.stderr).toContain('数据目录已被另一个 ChatCRM 进程');

    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;

    const reopened = await openDatabase({ dataDir });
    try {
      const rows = await reopened.db.select().from(tenants).where(eq(tenants.id, id));
      expect(rows).toHaveLength(1);
      expect(rows[0]!.name).toBe('崩溃测试');
    } finally {
      await reopened.close();
    }
  }, 90_000);
});
