// WeCom smart robot (企业微信智能机器人) settings, long-connection API mode. Where to find each value (管理后台 →
// 应用管理 → 智能机器人 → <机器人> → API 模式 → 使用长连接):
//   WECOM_BOT_ID / WECOM_BOT_SECRET  the robot's BotID and Secret shown there
//   WECOM_BOT_WS_URL                 optional: a private deployment's gateway (default wss://openws.work.weixin.qq.com);
//                                    passed to the SDK's wsUrl, which is also how tests reach a local gateway
//   WECOM_CORP_ID                    optional here (required by the self-built app): 我的企业 → 企业ID. With it, the
//                                    robot's users are the corp's users — one person is one ChatCRM user on both ways
// The secret is never logged: errors name the variable, not its value.
import { z } from 'zod';
import { CONFIG_PARSE } from '../../src/config/env.js';

export const DEFAULT_WS_URL = 'wss://openws.work.weixin.qq.com';

export const wecomRobotConfigSchema = z.object({
  WECOM_BOT_ID: z.string().regex(/^[A-Za-z0-9_-]{6,64}$/, 'BotID 只含字母、数字、_ 和 -（在 智能机器人 → API 模式 页面复制）'),
  WECOM_BOT_SECRET: z.string().regex(/^\S{16,128}$/, 'Secret 应为 16–128 位、不含空格（在 智能机器人 → API 模式 页面复制）'),
  WECOM_BOT_WS_URL: z
    .string()
    .regex(/^wss?:\/\/[^\s/?#]+(\/[^\s]*)?$/, '必须是 wss:// 或 ws:// 开头的网址，例如 wss://openws.work.weixin.qq.com')
    .default(DEFAULT_WS_URL),
  WECOM_CORP_ID: z.string().regex(/^[A-Za-z0-9]{6,64}$/, '企业ID 只含字母和数字').optional(),
});

export interface WecomRobotConfig {
  botId: string;
  secret: string;
  wsUrl: string;
  /** The tenant key of the robot's events: the corp id when known (shared with the self-built app), else `wecom`. */
  tenantKey: string;
}

const CORE = ['WECOM_BOT_ID', 'WECOM_BOT_SECRET'] as const;

export function readWecomRobotConfig(
  env: Record<string, string | undefined>,
): { enabled: true; config: WecomRobotConfig } | { enabled: false; errors?: string[] } {
  if (!CORE.some((k) => env[k]) && !env.WECOM_BOT_WS_URL) return { enabled: false };
  const errors: string[] = CORE.filter((k) => !env[k]).map((k) => `${k}: 未设置（企业微信智能机器人需要 BotID 和 Secret）`);
  const parsed = wecomRobotConfigSchema.safeParse(env, CONFIG_PARSE);
  if (!parsed.success) errors.push(...parsed.error.issues.filter((i) => env[String(i.path[0])]).map((i) => `${String(i.path[0])}: ${i.message}`));
  if (errors.length > 0 || !parsed.success) return { enabled: false, errors };
  const e = parsed.data;
  return { enabled: true, config: { botId: e.WECOM_BOT_ID, secret: e.WECOM_BOT_SECRET, wsUrl: e.WECOM_BOT_WS_URL, tenantKey: e.WECOM_CORP_ID ?? 'wecom' } };
}
