// DingTalk (钉钉) internal-app robot settings. Where to find each value in the developer console (开发者后台 → 应用开发
// → 企业内部应用 → <应用>):
//   DINGTALK_CLIENT_ID / CLIENT_SECRET  凭证与基础信息 → Client ID (原 AppKey) / Client Secret (原 AppSecret)
//   DINGTALK_ROBOT_CODE                 机器人 → RobotCode (for internal-app robots it equals the Client ID)
//   DINGTALK_MODE                       stream (default; no public URL) or http (消息接收模式 HTTP → /bots/dingtalk/callback)
//   DINGTALK_CARD_TEMPLATE_ID           optional: an imported card template (cards/dingtalk/TEMPLATE.md); without it,
//                                       cards are ActionCards whose buttons send the matching command
//   DINGTALK_API_BASE                   https://api.dingtalk.com (tests point it at a local fake)
//   DINGTALK_OAPI_BASE                  https://oapi.dingtalk.com: the older API, for uploading files (media/upload)
//                                       and finding a signed-in user's userid (topapi/user/getbyunionid)
//   DINGTALK_LOGIN_BASE                 https://login.dingtalk.com: the OAuth2 page for dashboard sign-in (tests: a fake)
import { z } from 'zod';
import { CONFIG_PARSE } from '../../src/config/env.js';

export const dingtalkConfigSchema = z.object({
  DINGTALK_CLIENT_ID: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'Client ID (AppKey) 只含字母数字'),
  DINGTALK_CLIENT_SECRET: z.string().min(16, 'Client Secret 太短'),
  DINGTALK_ROBOT_CODE: z.string().regex(/^[A-Za-z0-9_-]{4,64}$/, 'RobotCode 只含字母数字').optional(),
  DINGTALK_API_BASE: z.url({ error: '必须是 http:// 或 https:// 开头的网址' }).default('https://api.dingtalk.com'),
  DINGTALK_OAPI_BASE: z.url({ error: '必须是 http:// 或 https:// 开头的网址' }).default('https://oapi.dingtalk.com'),
  DINGTALK_LOGIN_BASE: z.url({ error: '必须是 http:// 或 https:// 开头的网址' }).default('https://login.dingtalk.com'),
  DINGTALK_MODE: z.enum(['stream', 'http'], { error: '必须是 stream（Stream 长连接）或 http（HTTP 回调）' }).default('stream'),
  DINGTALK_CARD_TEMPLATE_ID: z.string().regex(/^[A-Za-z0-9._-]{8,128}$/, '模板 ID 形如 xxxx-xxxx.schema').optional(),
});

export interface DingtalkConfig {
  clientId: string;
  clientSecret: string;
  robotCode: string;
  apiBase: string;
  /** oapi.dingtalk.com: media/upload for files sent by the robot. */
  oapiBase: string;
  /** login.dingtalk.com: the OAuth2 authorize page (dashboard sign-in); absent: the real one. */
  loginBase?: string;
  mode: 'stream' | 'http';
  cardTemplateId?: string;
}

const CORE = ['DINGTALK_CLIENT_ID', 'DINGTALK_CLIENT_SECRET'] as const;
const ALL = [...CORE, 'DINGTALK_ROBOT_CODE', 'DINGTALK_API_BASE', 'DINGTALK_OAPI_BASE', 'DINGTALK_LOGIN_BASE', 'DINGTALK_MODE', 'DINGTALK_CARD_TEMPLATE_ID'] as const;

export function readDingtalkConfig(
  env: Record<string, string | undefined>,
): { enabled: true; config: DingtalkConfig } | { enabled: false; errors?: string[] } {
  if (!ALL.some((k) => env[k])) return { enabled: false };
  const parsed = dingtalkConfigSchema.safeParse(env, CONFIG_PARSE);
  const errors = CORE.filter((k) => !env[k]).map((k) => `${k}: 未设置（钉钉需要 Client ID 和 Client Secret）`);
  if (!parsed.success) {
    errors.push(...parsed.error.issues.filter((i) => env[String(i.path[0])]).map((i) => `${String(i.path[0])}: ${i.message}`));
  }
  if (errors.length > 0 || !parsed.success) return { enabled: false, errors };
  const e = parsed.data;
  return {
    enabled: true,
    config: {
      clientId: e.DINGTALK_CLIENT_ID,
      clientSecret: e.DINGTALK_CLIENT_SECRET,
      robotCode: e.DINGTALK_ROBOT_CODE ?? e.DINGTALK_CLIENT_ID,
      apiBase: e.DINGTALK_API_BASE.replace(/\/$/, ''),
      oapiBase: e.DINGTALK_OAPI_BASE.replace(/\/$/, ''),
      loginBase: e.DINGTALK_LOGIN_BASE.replace(/\/$/, ''),
      mode: e.DINGTALK_MODE,
      ...(e.DINGTALK_CARD_TEMPLATE_ID ? { cardTemplateId: e.DINGTALK_CARD_TEMPLATE_ID } : {}),
    },
  };
}
