import { describe, expect, it } from 'vitest';
import { readDingtalkConfig } from '../../../bots/dingtalk/config.js';
import { stripMention } from '../../../bots/dingtalk/decode.js';
import { checkTimestamp, dingtalkSign, verifyDingtalkSign } from '../../../bots/dingtalk/verify.js';

describe('DingTalk robot callback signature (../shared/platforms.md §3.6)', () => {
  it('matches the documented sample timestamp and secret', () => {
    expect(dingtalkSign('1577262236757', 'this is secret')).toBe('hmPWwU+7lVdm3ZZz0r9tSfx0L4Q26jWOZr9+Gs6EZQM=');
    expect(encodeURIComponent(dingtalkSign('1577262236757', 'this is secret'))).toBe('hmPWwU%2B7lVdm3ZZz0r9tSfx0L4Q26jWOZr9%2BGs6EZQM%3D');
    expect(verifyDingtalkSign('1577262236757', 'hmPWwU+7lVdm3ZZz0r9tSfx0L4Q26jWOZr9+Gs6EZQM=', 'this is secret')).toBe(true);
    expect(verifyDingtalkSign('1577262236758', 'hmPWwU+7lVdm3ZZz0r9tSfx0L4Q26jWOZr9+Gs6EZQM=', 'this is secret')).toBe(false);
    expect(verifyDingtalkSign('1577262236757', 'hmPWwU+7lVdm3ZZz0r9tSfx0L4Q26jWOZr9+Gs6EZQM=', 'another secret')).toBe(false);
    expect(verifyDingtalkSign('1577262236757', '', 'this is secret')).toBe(false);
  });

  it('accepts timestamps within ten minutes only, in milliseconds', () => {
    const now = 1_700_000_000_000;
    expect(checkTimestamp(String(now - 60_000), now)).toBe(true);
    expect(checkTimestamp(String(now - 11 * 60_000), now)).toBe(false);
    expect(checkTimestamp(String(now + 11 * 60_000), now)).toBe(false);
    expect(checkTimestamp('1700000000', now)).toBe(false); // seconds, not ms
  });

  it('strips leading @mentions only', () => {
    expect(stripMention(' @ChatCRM /跟进 D-1 已送样')).toBe('/跟进 D-1 已送样');
    expect(stripMention('/交接 @张三 @李四')).toBe('/交接 @张三 @李四');
  });
});

describe('DingTalk configuration', () => {
  const base = { DINGTALK_CLIENT_ID: 'dingabcdefgh12345678', DINGTALK_CLIENT_SECRET: 'secret-0123456789abcdef' };
  it('defaults to Stream mode with the Client ID as robot code', () => {
    expect(readDingtalkConfig(base)).toMatchObject({ enabled: true, config: { mode: 'stream', robotCode: base.DINGTALK_CLIENT_ID, apiBase: 'https://api.dingtalk.com' } });
  });
  it('names missing and malformed values', () => {
    const r = readDingtalkConfig({ DINGTALK_CLIENT_ID: 'x', DINGTALK_MODE: 'webhook' });
    const names = ('errors' in r ? r.errors ?? [] : []).map((e) => e.split(':')[0]).sort();
    expect(names).toEqual(['DINGTALK_CLIENT_ID', 'DINGTALK_CLIENT_SECRET', 'DINGTALK_MODE']);
    expect(readDingtalkConfig({})).toEqual({ enabled: false });
  });
});
