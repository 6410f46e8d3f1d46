// The platform drivers the contract suites run on (`describe.each(eachPlatform)`): one per platform, each behind
// the interface in drivers/driver.ts — how to sign a genuine message or retry for a user, the forged / stale /
// unsigned / other-app variants, how to read the ack of a card click, and where the platform's fake
// (test/fakes/*) keeps what the bot sent. Every session is the one fault harness (test/faults/harness.ts
// startFaultApp) pointed at the platform's fake.
import { dingtalk } from './drivers/dingtalk.js';
import type { Driver } from './drivers/driver.js';
import { feishu } from './drivers/feishu.js';
import { wecom } from './drivers/wecom.js';

export type { Driver, ForgeData, SentCard, Session } from './drivers/driver.js';
export { dingtalk, feishu, wecom };

export const drivers: Driver[] = [wecom, feishu, dingtalk];
/** For `describe.each`: the label first (it names the suite), then the driver. */
export const eachPlatform = drivers.map((d) => [d.label, d] as const);
