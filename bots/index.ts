// Which platforms are enabled (their env blocks complete and valid) and how to build their adapters.
// Only src/main.ts and the console CLI call this; the core never imports a concrete adapter.
import { join } from 'node:path';
import type { Db } from '../src/db/client.js';
import type { ChatAdapter } from '../src/adapter.js';
import { createConsoleAdapter, readConsoleSecret } from './console/index.js';
import { createDbSignLedger } from '../src/db/sign-ledger.js';
import { createDbTokenStore } from '../src/db/token-store.js';
// Only the config readers are imported up front: a platform's adapter (and its SDK — Feishu's alone takes ~0.6 s
// to load, DingTalk's stream client ~0.3 s) is loaded when that platform is enabled, so start-up pays only for
// what is configured.
import { readDingtalkConfig } from './dingtalk/config.js';
import { readFeishuConfig } from './feishu/config.js';
import { readWecomConfig } from './wecom/config.js';
import { readWecomRobotConfig } from './wecom-robot/config.js';
import type { LongConnectionTimings } from './watchdog.js';

export interface AdapterDeps {
  db: Db;
  dataDir: string;
  log?: { info?(obj: object, msg?: string): void; warn(obj: object, msg?: string): void; error(obj: object, msg?: string): void };
  /** Long-connection timings (tests shorten them). */
  longConnection?: LongConnectionTimings;
}

export interface PlatformSetup {
  /** Problems in partially configured platform blocks (start-up refuses to run with any). */
  problems: string[];
  /** Names of the platforms whose configuration is complete. */
  enabled: string[];
  build(deps: AdapterDeps): Promise<ChatAdapter[]>;
}

export function createAdapters(env: Record<string, string | undefined>, opts: { timeoutMs?: number } = {}): PlatformSetup {
  // CHATCRM_PLATFORM_TIMEOUT_MS: the deadline of every platform API call, the same for all three.
  const timeout = opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {};
  const problems: string[] = [];
  const enabled: string[] = ['console'];
  const builders: Array<(deps: AdapterDeps) => ChatAdapter | Promise<ChatAdapter>> = [];
  const wecom = readWecomConfig(env);
  if (wecom.enabled) {
    enabled.push('wecom');
    builders.push(async (deps) => (await import('./wecom/index.js')).createWecomAdapter(wecom.config, { tokenStore: createDbTokenStore(deps.db), ...timeout }));
  } else problems.push(...(wecom.errors ?? []));
  const robot = readWecomRobotConfig(env);
  if (robot.enabled) {
    enabled.push('wecom-robot (long connection)');
    const groupsElsewhere = wecom.enabled ? Object.keys(wecom.config.webhooks) : [];
    builders.push(async (deps) =>
      (await import('./wecom-robot/index.js')).createWecomRobotAdapter(robot.config, {
        groupsElsewhere,
        ...timeout,
        ...(deps.longConnection ?? {}),
        ...(deps.log ? { log: deps.log } : {}),
      }),
    );
  } else problems.push(...(robot.errors ?? []));
  const feishu = readFeishuConfig(env);
  if (feishu.enabled) {
    enabled.push(`feishu (${feishu.config.mode})`);
    builders.push(async (deps) => (await import('./feishu/index.js')).createFeishuAdapter(feishu.config, { tokenStore: createDbTokenStore(deps.db), ...timeout, ...(deps.log ? { log: deps.log } : {}), ...(deps.longConnection ? { longConnection: deps.longConnection } : {}) }));
  } else problems.push(...(feishu.errors ?? []));
  const dingtalk = readDingtalkConfig(env);
  if (dingtalk.enabled) {
    enabled.push(`dingtalk (${dingtalk.config.mode})`);
    builders.push(async (deps) => (await import('./dingtalk/index.js')).createDingtalkAdapter(dingtalk.config, { tokenStore: createDbTokenStore(deps.db), signLedger: createDbSignLedger(deps.db), ...timeout, ...(deps.log ? { log: deps.log } : {}), ...(deps.longConnection ? { longConnection: deps.longConnection } : {}) }));
  } else problems.push(...(dingtalk.errors ?? []));
  builders.push((deps) =>
    createConsoleAdapter({ mailboxDir: join(deps.dataDir, 'console'), secret: readConsoleSecret(deps.dataDir, { create: true }) }),
  );
  return {
    problems,
    enabled,
    build: (deps) => Promise.all(builders.map((b) => b(deps))),
  };
}
