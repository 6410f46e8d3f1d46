// The DingTalk env block: the dashboard sign-in's OAuth2 host (DINGTALK_LOGIN_BASE) has a default and is validated.
import { describe, expect, it } from 'vitest';
import { readDingtalkConfig } from '../../../bots/dingtalk/config.js';
import { dingtalkEnv } from '../../helpers/server.js';

describe('DingTalk configuration', () => {
  const env = dingtalkEnv('http://127.0.0.1:9999');

  it("signs in on DingTalk's own OAuth2 page unless told otherwise", () => {
    expect(readDingtalkConfig(env)).toMatchObject({ enabled: true, config: { loginBase: 'https://login.dingtalk.com' } });
    expect(readDingtalkConfig({ ...env, DINGTALK_LOGIN_BASE: 'http://127.0.0.1:8888/' })).toMatchObject({ config: { loginBase: 'http://127.0.0.1:8888' } });
  });

  it('reports a DINGTALK_LOGIN_BASE that is not a web address, in Chinese, by name', () => {
    const r = readDingtalkConfig({ ...env, DINGTALK_LOGIN_BASE: 'login.dingtalk.com' });
    expect(r).toEqual({ enabled: false, errors: ['DINGTALK_LOGIN_BASE: 必须是 http:// 或 https:// 开头的网址'] });
  });
});
