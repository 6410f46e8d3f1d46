import { describe, expect, it } from 'vitest';
import { readFeishuConfig } from '../../../bots/feishu/config.js';

const base = { FEISHU_APP_ID: 'cli_a1b2c3d4e5f60718', FEISHU_APP_SECRET: 'secret-0123456789abcdef' };

describe('Feishu configuration', () => {
  it('is off when no FEISHU_ variable is set', () => {
    expect(readFeishuConfig({})).toEqual({ enabled: false });
  });

  it('needs the token and the encrypt key in webhook mode, and says which is missing', () => {
    const r = readFeishuConfig(base);
    expect(r.enabled).toBe(false);
    const errors = 'errors' in r ? r.errors ?? [] : [];
    expect(errors.some((e) => e.startsWith('FEISHU_ENCRYPT_KEY:'))).toBe(true);
    expect(errors.some((e) => e.startsWith('FEISHU_VERIFICATION_TOKEN:'))).toBe(true);
  });

  it('runs the long connection with the app credentials alone, on Lark if asked', () => {
    const r = readFeishuConfig({ ...base, FEISHU_MODE: 'ws', FEISHU_DOMAIN: 'lark' });
    expect(r).toMatchObject({ enabled: true, config: { mode: 'ws', domain: 'https://open.larksuite.com' } });
  });

  it('reports malformed values by name', () => {
    const r = readFeishuConfig({ ...base, FEISHU_APP_ID: 'app-1', FEISHU_MODE: 'socket' });
    const errors = 'errors' in r ? r.errors ?? [] : [];
    expect(errors.map((e) => e.split(':')[0]).sort()).toEqual(['FEISHU_APP_ID', 'FEISHU_MODE']);
  });

  it('accepts a complete webhook setup with a test URL as domain', () => {
    const r = readFeishuConfig({ ...base, FEISHU_VERIFICATION_TOKEN: 'vt-12345678', FEISHU_ENCRYPT_KEY: 'ek-12345678', FEISHU_DOMAIN: 'http://127.0.0.1:9999/' });
    expect(r).toMatchObject({ enabled: true, config: { mode: 'webhook', domain: 'http://127.0.0.1:9999' } });
  });

  it("points the dashboard's sign-in at Feishu's or Lark's accounts host, or at the URL given", () => {
    const ws = { ...base, FEISHU_MODE: 'ws' };
    expect(readFeishuConfig(ws)).toMatchObject({ config: { accountsBase: 'https://accounts.feishu.cn' } });
    expect(readFeishuConfig({ ...ws, FEISHU_DOMAIN: 'lark' })).toMatchObject({ config: { accountsBase: 'https://accounts.larksuite.com' } });
    expect(readFeishuConfig({ ...ws, FEISHU_DOMAIN: 'http://127.0.0.1:9999' })).toMatchObject({ config: { accountsBase: 'http://127.0.0.1:9999' } });
    expect(readFeishuConfig({ ...ws, FEISHU_ACCOUNTS_BASE: 'http://127.0.0.1:7777/' })).toMatchObject({ config: { accountsBase: 'http://127.0.0.1:7777' } });
    const bad = readFeishuConfig({ ...ws, FEISHU_ACCOUNTS_BASE: 'accounts.feishu.cn' });
    expect('errors' in bad ? bad.errors : []).toEqual(['FEISHU_ACCOUNTS_BASE: 必须是 http:// 或 https:// 开头的网址']);
  });
});
