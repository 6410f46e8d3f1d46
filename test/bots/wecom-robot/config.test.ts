import { describe, expect, it } from 'vitest';
import { createAdapters } from '../../../bots/index.js';
import { readWecomConfig } from '../../../bots/wecom/config.js';
import { DEFAULT_WS_URL, readWecomRobotConfig } from '../../../bots/wecom-robot/config.js';

const ROBOT = { WECOM_BOT_ID: 'aibTestRobot01', WECOM_BOT_SECRET: 'robot-secret-0123456789abcdef' };

describe('WeCom robot configuration', () => {
  it('is off without its variables and on with BotID and Secret, the corp id naming its tenant', () => {
    expect(readWecomRobotConfig({})).toEqual({ enabled: false });
    expect(readWecomRobotConfig(ROBOT)).toEqual({ enabled: true, config: { botId: ROBOT.WECOM_BOT_ID, secret: ROBOT.WECOM_BOT_SECRET, wsUrl: DEFAULT_WS_URL, tenantKey: 'wecom' } });
    expect(readWecomRobotConfig({ ...ROBOT, WECOM_CORP_ID: 'wx5823bf96d3bd56c7', WECOM_BOT_WS_URL: 'wss://aibot.example.cn/ws' })).toMatchObject({
      enabled: true,
      config: { tenantKey: 'wx5823bf96d3bd56c7', wsUrl: 'wss://aibot.example.cn/ws' },
    });
  });

  it('says in Chinese what to fix, naming the variable and never echoing the secret', () => {
    const r = readWecomRobotConfig({ WECOM_BOT_SECRET: 'short secret', WECOM_BOT_WS_URL: 'https://openws.work.weixin.qq.com' });
    expect(r.enabled).toBe(false);
    const errors = (r as { errors: string[] }).errors;
    expect(errors).toEqual([
      'WECOM_BOT_ID: 未设置（企业微信智能机器人需要 BotID 和 Secret）',
      expect.stringMatching(/^WECOM_BOT_SECRET: Secret 应为 16–128 位/),
      expect.stringMatching(/^WECOM_BOT_WS_URL: 必须是 wss:\/\/ 或 ws:\/\//),
    ]);
    expect(errors.join('\n')).not.toContain('short secret');
    expect(createAdapters({ WECOM_BOT_ID: 'aibTestRobot01' }).problems).toEqual(['WECOM_BOT_SECRET: 未设置（企业微信智能机器人需要 BotID 和 Secret）']);
  });

  it('runs alone with only the corp id beside it, or next to a complete self-built app', () => {
    expect(readWecomConfig({ ...ROBOT, WECOM_CORP_ID: 'wx5823bf96d3bd56c7' })).toEqual({ enabled: false });
    expect(createAdapters({ ...ROBOT, WECOM_CORP_ID: 'wx5823bf96d3bd56c7' })).toMatchObject({ problems: [], enabled: ['console', 'wecom-robot (long connection)'] });
    // Without a robot, the corp id alone is still a half-configured self-built app.
    expect(readWecomConfig({ WECOM_CORP_ID: 'wx5823bf96d3bd56c7' })).toMatchObject({ enabled: false, errors: expect.arrayContaining([expect.stringContaining('WECOM_AGENT_ID')]) });
  });
});
