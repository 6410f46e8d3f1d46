// One zod schema over the environment (and an optional .env file), validated at start-up.
// Platform blocks are validated by bots/<platform>/config.ts; this file knows only the core settings.
import { existsSync, readFileSync } from 'node:fs';
import { parse as parseDotenv } from 'dotenv';
import { z } from 'zod';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const coreEnvSchema = z.object({
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, '必须是 postgres:// 或 postgresql:// 开头的连接串')
    .optional(),
  DATA_DIR: z.string().min(1, '不能为空').default('./data'),
  PORT: z.coerce.number({ error: '必须是 0–65535 的整数' }).int('必须是 0–65535 的整数').min(0, '必须是 0–65535 的整数').max(65535, '必须是 0–65535 的整数').default(3000),
  HOST: z.string().min(1, '不能为空').default('127.0.0.1'),
  TZ_DEFAULT: z
    .string()
    .default('Asia/Shanghai')
    .refine(isValidTimeZone, '不是有效的 IANA 时区（例如 Asia/Shanghai）'),
  LOG_LEVEL: z.enum(LOG_LEVELS, { error: `必须是以下之一：${LOG_LEVELS.join('、')}` }).default('info'),
  ADMIN_TOKEN: z.string().min(16, '至少 16 个字符').optional(),
  /** Name of the tenant created on first start for the console adapter. */
  DEFAULT_TENANT_NAME: z.string().min(1, '不能为空').default('我的公司'),
  /** Inbox drainers per process (PostgreSQL; PGlite always runs one). */
  CHATCRM_INBOX_DRAINERS: z.coerce.number({ error: '必须是 1–32 的整数' }).int('必须是 1–32 的整数').min(1, '必须是 1–32 的整数').max(32, '必须是 1–32 的整数').optional(),
  /** Deadline of one platform API call, in ms. */
  CHATCRM_PLATFORM_TIMEOUT_MS: z.coerce.number({ error: '必须是 100–60000 的整数（毫秒）' }).int('必须是 100–60000 的整数（毫秒）').min(100, '必须是 100–60000 的整数（毫秒）').max(60_000, '必须是 100–60000 的整数（毫秒）').default(10_000),
  /** After this long a claimed outbox row whose sender vanished is sent again, in ms. */
  CHATCRM_OUTBOX_LEASE_MS: z.coerce.number({ error: '必须是 1000–3600000 的整数（毫秒）' }).int('必须是 1000–3600000 的整数（毫秒）').min(1000, '必须是 1000–3600000 的整数（毫秒）').max(3_600_000, '必须是 1000–3600000 的整数（毫秒）').default(60_000),
  /** This process's name in the scheduler's claims (scheduler_runs.claimed_by); default host:pid. */
  CHATCRM_INSTANCE_ID: z.string().trim().min(1, '不能为空').max(100, '最多 100 个字符').optional(),
  /**
   * The address people open the dashboard at (links in /看板 and digests), e.g. https://crm.example.com. Default
   * http://HOST:PORT — fine for the console on this machine; set it when chat users open links from their phones.
   */
  CHATCRM_PUBLIC_URL: z.url({ error: '必须是 http:// 或 https:// 开头的网址' }).optional(),
  /** Messages per second per app (defaults: src/outbox/worker.ts DEFAULT_RATE_PER_SECOND). */
  CHATCRM_RATE_WECOM: z.coerce.number({ error: '必须是大于 0 的数（条/秒）' }).positive('必须是大于 0 的数（条/秒）').optional(),
  CHATCRM_RATE_FEISHU: z.coerce.number({ error: '必须是大于 0 的数（条/秒）' }).positive('必须是大于 0 的数（条/秒）').optional(),
  CHATCRM_RATE_DINGTALK: z.coerce.number({ error: '必须是大于 0 的数（条/秒）' }).positive('必须是大于 0 的数（条/秒）').optional(),
});

export type CoreEnv = z.infer<typeof coreEnvSchema>;

/** Parse options for every configuration schema: zod's own messages in Simplified Chinese. */
export const CONFIG_PARSE = { error: z.locales.zhCN().localeError } as const;

/** Every variable name ChatCRM reads; used to catch typos in our prefixes (WECOM_CORPID …). */
export const KNOWN_PREFIXES = ['CHATCRM_', 'WECOM_', 'FEISHU_', 'DINGTALK_'] as const;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`配置有误，请逐项修改后重新启动：\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Reads `.env` (if present) under the real environment; the real environment wins. */
export function loadEnv(
  env: NodeJS.ProcessEnv = process.env,
  dotenvPath = '.env',
): Record<string, string | undefined> {
  const fromFile = existsSync(dotenvPath) ? parseDotenv(readFileSync(dotenvPath)) : {};
  const merged: Record<string, string | undefined> = { ...fromFile };
  for (const [k, v] of Object.entries(env)) merged[k] = v;
  // Treat empty strings as unset, so `DATABASE_URL=` in a .env file means "embedded".
  for (const [k, v] of Object.entries(merged)) if (v === '') delete merged[k];
  return merged;
}

/** Formats zod issues as "NAME: message (got …)" lines; never echoes values of secret-looking names. */
export function describeIssues(issues: z.core.$ZodIssue[], env: Record<string, string | undefined>): string[] {
  return issues.map((issue) => {
    const name = String(issue.path[0] ?? '?');
    const value = env[name];
    const secret = /SECRET|TOKEN|KEY|PASSWORD|URL/.test(name);
    const shown = value === undefined ? '未设置' : secret ? '已设置（值不显示）' : JSON.stringify(value);
    return `${name}: ${issue.message}（当前：${shown}）`;
  });
}

export function parseCoreEnv(env: Record<string, string | undefined>, knownNames: Set<string>): CoreEnv {
  const problems: string[] = [];
  const result = coreEnvSchema.safeParse(env, CONFIG_PARSE);
  if (!result.success) problems.push(...describeIssues(result.error.issues, env));
  for (const name of Object.keys(env)) {
    if (KNOWN_PREFIXES.some((p) => name.startsWith(p)) && !knownNames.has(name)) {
      problems.push(`${name}: 不是 ChatCRM 认识的设置项，请检查拼写`);
    }
  }
  if (problems.length > 0 || !result.success) throw new ConfigError(problems);
  return result.data;
}
