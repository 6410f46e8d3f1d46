// Every kind of configuration problem reads in Chinese: wrong type, out of range, empty, not one of a list, not a
// URL, too short, wrong shape, misspelt name, missing platform field — core settings and each platform block.
import { describe, expect, it } from 'vitest';
import { ConfigError, parseCoreEnv } from '../../src/config/env.js';
import { knownEnvNames } from '../../src/config/known-names.js';
import { readDingtalkConfig } from '../../bots/dingtalk/config.js';
import { readFeishuConfig } from '../../bots/feishu/config.js';
import { readWecomConfig } from '../../bots/wecom/config.js';

/** zod's untranslated wording and type names (string, number, NaN…) must never reach the operator. */
const ENGLISH = /Invalid|expected|received|string|number|NaN|undefined|configuration/;

function coreProblem(env: Record<string, string>): string {
  try {
    parseCoreEnv(env, knownEnvNames());
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toMatch(/^配置有误，请逐项修改后重新启动：/);
    expect((err as ConfigError).message).not.toMatch(ENGLISH);
    return (err as ConfigError).problems.join('\n');
  }
  throw new Error('expected a configuration error');
}

const WECOM = { WECOM_CORP_ID: 'wx5823bf96d3bd56c7', WECOM_AGENT_ID: '1000002', WECOM_SECRET: 'test-secret-0123456789abcdef', WECOM_TOKEN: 'QDG6eK', WECOM_ENCODING_AES_KEY: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C' };
const FEISHU = { FEISHU_APP_ID: 'cli_a1b2c3d4e5f6', FEISHU_APP_SECRET: 'feishu-secret-0123456789' };
const DINGTALK = { DINGTALK_CLIENT_ID: 'dingabcdefgh12345678', DINGTALK_CLIENT_SECRET: 'dingtalk-secret-0123456789' };

function platformProblems(read: (env: Record<string, string>) => { enabled: boolean; errors?: string[] }, env: Record<string, string>): string {
  const r = read(env);
  expect(r.enabled).toBe(false);
  const text = (r.errors ?? []).join('\n');
  expect(text).not.toBe('');
  expect(text).not.toMatch(ENGLISH);
  return text;
}

describe('configuration problems read in Chinese', () => {
  it('a number that is not one (PORT=abc)', () => expect(coreProblem({ PORT: 'abc' })).toBe('PORT: 必须是 0–65535 的整数（当前："abc"）'));
  it('a number out of range or not whole', () => {
    expect(coreProblem({ PORT: '70000' })).toContain('必须是 0–65535 的整数');
    expect(coreProblem({ PORT: '1.5' })).toContain('必须是 0–65535 的整数');
  });
  it('an empty value', () => expect(coreProblem({ HOST: '' })).toBe('HOST: 不能为空（当前：""）'));
  it('not one of the allowed words', () => expect(coreProblem({ LOG_LEVEL: 'loud' })).toContain('LOG_LEVEL: 必须是以下之一：fatal、error'));
  it('not a time zone', () => expect(coreProblem({ TZ_DEFAULT: 'Mars/Olympus' })).toContain('IANA'));
  it('not a PostgreSQL URL (value hidden)', () => expect(coreProblem({ DATABASE_URL: 'mysql://x' })).toBe('DATABASE_URL: 必须是 postgres:// 或 postgresql:// 开头的连接串（当前：已设置（值不显示））'));
  it('a secret too short', () => expect(coreProblem({ ADMIN_TOKEN: 'short' })).toContain('ADMIN_TOKEN: 至少 16 个字符'));
  it('a misspelt name', () => expect(coreProblem({ CHATCRM_PORTT: '1' })).toContain('CHATCRM_PORTT: 不是 ChatCRM 认识的设置项，请检查拼写'));

  it('WeCom: AgentId not a number, API base not a URL, a missing field', () => {
    expect(platformProblems(readWecomConfig, { ...WECOM, WECOM_AGENT_ID: 'abc' })).toBe('WECOM_AGENT_ID: AgentId 必须是正整数（例如 1000002）');
    expect(platformProblems(readWecomConfig, { ...WECOM, WECOM_API_BASE: 'qyapi' })).toBe('WECOM_API_BASE: 必须是 http:// 或 https:// 开头的网址');
    const { WECOM_TOKEN: _, ...noToken } = WECOM;
    expect(platformProblems(readWecomConfig, noToken)).toBe('WECOM_TOKEN: 未设置（企业微信需要全部 5 项）');
  });
  it('Feishu: unknown mode and domain', () => {
    expect(platformProblems(readFeishuConfig, { ...FEISHU, FEISHU_MODE: 'socket' })).toContain('FEISHU_MODE: 必须是 webhook（事件回调）或 ws（长连接）');
    expect(platformProblems(readFeishuConfig, { ...FEISHU, FEISHU_DOMAIN: 'larksuite' })).toContain('FEISHU_DOMAIN: 必须是 feishu、lark 或 https:// 开头的网址');
  });
  it('DingTalk: unknown mode and API base', () => {
    expect(platformProblems(readDingtalkConfig, { ...DINGTALK, DINGTALK_MODE: 'webhook' })).toContain('DINGTALK_MODE: 必须是 stream（Stream 长连接）或 http（HTTP 回调）');
    expect(platformProblems(readDingtalkConfig, { ...DINGTALK, DINGTALK_API_BASE: 'api' })).toContain('DINGTALK_API_BASE: 必须是 http:// 或 https:// 开头的网址');
  });
});
