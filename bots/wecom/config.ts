// WeCom (企业微信) self-built app settings. Where to find each value in the admin console (管理后台):
//   WECOM_CORP_ID            我的企业 → 企业信息 → 企业ID
//   WECOM_AGENT_ID / SECRET  应用管理 → 自建 → <应用> → AgentId / Secret
//   WECOM_TOKEN / ENCODING_AES_KEY  <应用> → 接收消息 → 设置API接收 → Token / EncodingAESKey
//   WECOM_OAUTH_BASE         the OAuth2 authorize page's host for dashboard sign-in (https://open.weixin.qq.com;
//                            tests point it at a local fake); the redirect host must be the app's 可信域名
import { z } from 'zod';
import { CONFIG_PARSE } from '../../src/config/env.js';

export const wecomConfigSchema = z.object({
  WECOM_CORP_ID: z.string().regex(/^[A-Za-z0-9]{6,64}$/, '企业ID 只含字母和数字'),
  WECOM_AGENT_ID: z.coerce.number({ error: 'AgentId 必须是正整数（例如 1000002）' }).int('AgentId 必须是正整数（例如 1000002）').positive('AgentId 必须是正整数（例如 1000002）'),
  WECOM_SECRET: z.string().min(16, '应用 Secret 太短'),
  WECOM_TOKEN: z.string().regex(/^[A-Za-z0-9]{1,32}$/, 'Token 为 1–32 位字母数字'),
  WECOM_ENCODING_AES_KEY: z.string().regex(/^[A-Za-z0-9]{43}$/, 'EncodingAESKey 必须是 43 位字母数字'),
  WECOM_API_BASE: z.url({ error: '必须是 http:// 或 https:// 开头的网址' }).default('https://qyapi.weixin.qq.com'),
  WECOM_OAUTH_BASE: z.url({ error: '必须是 http:// 或 https:// 开头的网址' }).default('https://open.weixin.qq.com'),
  /** Group robots for digests: `华东群=key1,华南群=key2`. */
  WECOM_GROUP_WEBHOOKS: z
    .string()
    .regex(/^[^=,]+=[^=,]+(,[^=,]+=[^=,]+)*$/, '格式：群名=key,群名=key')
    .optional(),
});

export interface WecomConfig {
  corpId: string;
  agentId: number;
  secret: string;
  token: string;
  encodingAesKey: string;
  apiBase: string;
  /** Host of the OAuth2 authorize page (dashboard sign-in); absent: https://open.weixin.qq.com. */
  oauthBase?: string;
  /** Robot name → webhook key. */
  webhooks: Record<string, string>;
}

const REQUIRED = ['WECOM_CORP_ID', 'WECOM_AGENT_ID', 'WECOM_SECRET', 'WECOM_TOKEN', 'WECOM_ENCODING_AES_KEY'] as const;

export function readWecomConfig(
  env: Record<string, string | undefined>,
): { enabled: true; config: WecomConfig } | { enabled: false; errors?: string[] } {
  const present = REQUIRED.filter((k) => env[k]);
  // The corp id alone, next to a smart robot (bots/wecom-robot/config.ts), names the robot's corp: no self-built app.
  if (present.length === 0 || (present.length === 1 && present[0] === 'WECOM_CORP_ID' && env.WECOM_BOT_ID)) return { enabled: false };
  const parsed = wecomConfigSchema.safeParse(env, CONFIG_PARSE);
  if (!parsed.success) {
    const missing = REQUIRED.filter((k) => !env[k]).map((k) => `${k}: 未设置（企业微信需要全部 5 项）`);
    const bad = parsed.error.issues.filter((i) => env[String(i.path[0])]).map((i) => `${String(i.path[0])}: ${i.message}`);
    return { enabled: false, errors: [...missing, ...bad] };
  }
  const e = parsed.data;
  const webhooks = Object.fromEntries(
    (e.WECOM_GROUP_WEBHOOKS ?? '').split(',').filter(Boolean).map((pair) => pair.split('=').map((s) => s.trim()) as [string, string]),
  );
  return {
    enabled: true,
    config: {
      corpId: e.WECOM_CORP_ID,
      agentId: e.WECOM_AGENT_ID,
      secret: e.WECOM_SECRET,
      token: e.WECOM_TOKEN,
      encodingAesKey: e.WECOM_ENCODING_AES_KEY,
      apiBase: e.WECOM_API_BASE.replace(/\/$/, ''),
      oauthBase: e.WECOM_OAUTH_BASE.replace(/\/$/, ''),
      webhooks,
    },
  };
}
