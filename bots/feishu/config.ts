// Feishu/Lark (飞书) custom-app settings. Where to find each value in the developer console (开发者后台 → <应用>):
//   FEISHU_APP_ID / FEISHU_APP_SECRET        凭证与基础信息 → App ID / App Secret
//   FEISHU_VERIFICATION_TOKEN / ENCRYPT_KEY  事件与回调 → 加密策略 → Verification Token / Encrypt Key
//   FEISHU_DOMAIN   feishu (open.feishu.cn), lark (open.larksuite.com) or a URL (tests point it at a local fake)
//   FEISHU_ACCOUNTS_BASE  the authorize page's host for dashboard sign-in: accounts.feishu.cn for feishu,
//                   accounts.larksuite.com for lark, else the FEISHU_DOMAIN URL (tests point it at a local fake)
//   FEISHU_MODE     webhook (Feishu calls POST /bots/feishu/events) or ws (long connection, no public URL needed)
import { z } from 'zod';
import { CONFIG_PARSE } from '../../src/config/env.js';

const DOMAINS = { feishu: 'https://open.feishu.cn', lark: 'https://open.larksuite.com' } as const;
const ACCOUNTS = { feishu: 'https://accounts.feishu.cn', lark: 'https://accounts.larksuite.com' } as const;

const DOMAIN_HINT = '必须是 feishu、lark 或 https:// 开头的网址';

export const feishuConfigSchema = z.object({
  FEISHU_APP_ID: z.string().regex(/^cli_[0-9a-zA-Z]{8,32}$/, 'App ID 形如 cli_ 开头的字母数字'),
  FEISHU_APP_SECRET: z.string().min(16, 'App Secret 太短'),
  FEISHU_VERIFICATION_TOKEN: z.string().min(8, 'Verification Token 太短').optional(),
  FEISHU_ENCRYPT_KEY: z.string().min(8, 'Encrypt Key 太短').optional(),
  FEISHU_DOMAIN: z.union([z.enum(['feishu', 'lark'], { error: DOMAIN_HINT }), z.url({ error: DOMAIN_HINT })], { error: DOMAIN_HINT }).default('feishu'),
  FEISHU_MODE: z.enum(['webhook', 'ws'], { error: '必须是 webhook（事件回调）或 ws（长连接）' }).default('webhook'),
  FEISHU_ACCOUNTS_BASE: z.url({ error: '必须是 http:// 或 https:// 开头的网址' }).optional(),
});

export interface FeishuConfig {
  appId: string;
  appSecret: string;
  verificationToken: string;
  encryptKey: string;
  /** Base URL of the open platform, without a trailing slash. */
  domain: string;
  /** Host of the sign-in authorize page (accounts.feishu.cn); absent: the open platform's `domain`. */
  accountsBase?: string;
  /** Deadline of one API call in ms (default 10 s); set from CHATCRM_PLATFORM_TIMEOUT_MS. */
  timeoutMs?: number;
  mode: 'webhook' | 'ws';
}

const CORE = ['FEISHU_APP_ID', 'FEISHU_APP_SECRET'] as const;
const ALL = [...CORE, 'FEISHU_VERIFICATION_TOKEN', 'FEISHU_ENCRYPT_KEY', 'FEISHU_DOMAIN', 'FEISHU_MODE', 'FEISHU_ACCOUNTS_BASE'] as const;

export function readFeishuConfig(
  env: Record<string, string | undefined>,
): { enabled: true; config: FeishuConfig } | { enabled: false; errors?: string[] } {
  if (!ALL.some((k) => env[k])) return { enabled: false };
  const parsed = feishuConfigSchema.safeParse(env, CONFIG_PARSE);
  const errors = CORE.filter((k) => !env[k]).map((k) => `${k}: 未设置（飞书需要 App ID 和 App Secret）`);
  if (!parsed.success) {
    errors.push(...parsed.error.issues.filter((i) => env[String(i.path[0])]).map((i) => `${String(i.path[0])}: ${i.message}`));
    return { enabled: false, errors };
  }
  const e = parsed.data;
  // Webhook mode: without an Encrypt Key Feishu signs nothing, and the token alone is a shared secret sent in
  // every request body — we insist on both so a forged request can be told apart.
  if (e.FEISHU_MODE === 'webhook') {
    if (!e.FEISHU_VERIFICATION_TOKEN) errors.push('FEISHU_VERIFICATION_TOKEN: webhook 模式必须设置（事件与回调 → 加密策略）');
    if (!e.FEISHU_ENCRYPT_KEY) errors.push('FEISHU_ENCRYPT_KEY: webhook 模式必须设置，飞书才会对请求签名（事件与回调 → 加密策略）');
  }
  if (errors.length > 0) return { enabled: false, errors };
  const named = e.FEISHU_DOMAIN in DOMAINS ? (e.FEISHU_DOMAIN as keyof typeof DOMAINS) : undefined;
  const domain = named ? DOMAINS[named] : e.FEISHU_DOMAIN;
  const accountsBase = e.FEISHU_ACCOUNTS_BASE ?? (named ? ACCOUNTS[named] : domain);
  return {
    enabled: true,
    config: {
      appId: e.FEISHU_APP_ID,
      appSecret: e.FEISHU_APP_SECRET,
      verificationToken: e.FEISHU_VERIFICATION_TOKEN ?? '',
      encryptKey: e.FEISHU_ENCRYPT_KEY ?? '',
      domain: domain.replace(/\/$/, ''),
      accountsBase: accountsBase.replace(/\/$/, ''),
      mode: e.FEISHU_MODE,
    },
  };
}
