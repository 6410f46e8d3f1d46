import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadEnv, parseCoreEnv } from '../../src/config/env.js';
import { knownEnvNames } from '../../src/config/known-names.js';

const parse = (env: Record<string, string | undefined>) => parseCoreEnv(env, knownEnvNames());

describe('core configuration', () => {
  it('applies defaults when nothing is set', () => {
    const env = parse({});
    expect(env).toMatchObject({ DATA_DIR: './data', PORT: 3000, HOST: '127.0.0.1', TZ_DEFAULT: 'Asia/Shanghai', LOG_LEVEL: 'info' });
    expect(env.DATABASE_URL).toBeUndefined();
  });

  it('lists every problem in readable Chinese, naming the variable', () => {
    let error: unknown;
    try {
      parse({ PORT: 'eighty', TZ_DEFAULT: 'Mars/Olympus', LOG_LEVEL: 'loud', DATABASE_URL: 'mysql://x', WECOM_CORPID: 'ww1' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(5);
    expect(problems.find((p) => p.startsWith('PORT:'))).toContain('"eighty"');
    expect(problems.find((p) => p.startsWith('PORT:'))).toContain('必须是 0–65535 的整数');
    expect(problems.find((p) => p.startsWith('LOG_LEVEL:'))).toContain('必须是以下之一');
    // zod's English defaults never reach the user.
    expect(problems.join('\n')).not.toMatch(/Invalid|expected|received/);
    expect(problems.find((p) => p.startsWith('TZ_DEFAULT:'))).toContain('IANA');
    expect(problems.find((p) => p.startsWith('WECOM_CORPID:'))).toContain('拼写');
    // The message is a list, not a stack trace.
    expect((error as ConfigError).message).toMatch(/^配置有误/);
    expect((error as ConfigError).message).not.toMatch(/at .*\.ts:\d+/);
  });

  it('never echoes a secret-looking value', () => {
    try {
      parse({ ADMIN_TOKEN: 'short-secret', DATABASE_URL: 'mysql://root:hunter2@db/x' });
      expect.unreachable();
    } catch (err) {
      const text = (err as ConfigError).message;
      expect(text).toContain('ADMIN_TOKEN');
      expect(text).not.toContain('short-secret');
      expect(text).not.toContain('hunter2');
    }
  });

  it('reads a .env file under the real environment, which wins', () => {
    const dir = mkdtempSync(join(tmpdir(), 'chatcrm-env-'));
    const file = join(dir, '.env');
    writeFileSync(file, 'PORT=4000\nHOST=0.0.0.0\nDATABASE_URL=\n');
    const merged = loadEnv({ HOST: '127.0.0.2' }, file);
    expect(parse(merged)).toMatchObject({ PORT: 4000, HOST: '127.0.0.2' });
    expect(merged.DATABASE_URL).toBeUndefined();
  });
});
