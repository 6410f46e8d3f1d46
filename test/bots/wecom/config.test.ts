// The WeCom env block: the dashboard sign-in's authorize host (WECOM_OAUTH_BASE) has a default and is validated.
import { describe, expect, it } from 'vitest';
import { readWecomConfig } from '../../../bots/wecom/config.js';
import { wecomEnv } from '../../helpers/server.js';

describe('WeCom configuration', () => {
  const env = wecomEnv('http://127.0.0.1:9999');

  it("signs in on WeCom's own OAuth2 page unless told otherwise", () => {
    expect(readWecomConfig(env)).toMatchObject({ enabled: true, config: { oauthBase: 'https://open.weixin.qq.com' } });
    expect(readWecomConfig({ ...env, WECOM_OAUTH_BASE: 'http://127.0.0.1:8888/' })).toMatchObject({ config: { oauthBase: 'http://127.0.0.1:8888' } });
  });

  it('reports a WECOM_OAUTH_BASE that is not a web address, in Chinese, by name', () => {
    const r = readWecomConfig({ ...env, WECOM_OAUTH_BASE: 'open.weixin.qq.com' });
    expect(r).toEqual({ enabled: false, errors: ['WECOM_OAUTH_BASE: 必须是 http:// 或 https:// 开头的网址'] });
  });
});
