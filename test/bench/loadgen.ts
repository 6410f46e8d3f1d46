// The load generator's jobs, run in their own process (loadgen-proc.ts) so the server's event loop carries only
// the server. Every request is signed before the clock starts (real WeCom / Feishu / DingTalk signing,
// test/bots/*/sign.ts) and sent over raw keep-alive connections (load.ts).
import type { RawRequest } from '../../src/adapter.js';
import { robotMessage, signedRobotCallback } from '../bots/dingtalk/sign.js';
import { messageEvent, signedEvent } from '../bots/feishu/sign.js';
import { signedCallback, textXml } from '../bots/wecom/sign.js';
import { closedLoop, fixedRate, wire, type LoadResult, type PreparedRequest } from './load.js';

export type Platform = 'wecom' | 'feishu' | 'dingtalk';

export interface LoadJob {
  platform: Platform;
  /** Full URL of the route (a platform callback, or the bare route). */
  url: string;
  /** Unique per job: message ids and users are derived from it. */
  tag: string;
  /** Request i is sent by users[i % users.length] and carries `text` with `{i}` and `{name}` (names[same index]) replaced. */
  text: string;
  users: string[];
  names?: string[];
  mode: { kind: 'closed'; count: number; concurrency: number; maxSeconds: number } | { kind: 'rate'; rate: number; seconds: number };
  /** Closed loop: this many requests first, not counted (connections, JIT). */
  warmup?: number;
  /** DingTalk signs only a timestamp (ms), and a (timestamp, sign) pair is accepted once: every request gets its
   * own millisecond, counting down from below this one (the lowest the bench has used so far). */
  dingtalkBelow?: number;
}

export const CALLBACK_PATHS: Record<Platform, string> = { wecom: '/bots/wecom/callback', feishu: '/bots/feishu/events', dingtalk: '/bots/dingtalk/callback' };

let seq = 0;
let dingtalkTs = Number.MAX_SAFE_INTEGER;
/** The lowest DingTalk timestamp used so far (the next one is below it). */
export const dingtalkLowest = () => dingtalkTs;
export function useDingtalkBelow(ts: number) {
  dingtalkTs = Math.min(dingtalkTs, ts);
}

export function signFor(platform: Platform, user: string, text: string, tag: string): RawRequest {
  const id = `${tag}${String(++seq).padStart(10, '0')}`;
  if (platform === 'wecom') return signedCallback(textXml(user, text, id));
  if (platform === 'feishu') return signedEvent(messageEvent(user, text, { eventId: `ev-${id}` }));
  dingtalkTs = Math.min(Date.now(), dingtalkTs - 1);
  return signedRobotCallback(robotMessage(user, text, { msgId: `msg${id}` }), { timestamp: String(dingtalkTs) });
}

export function toFetch(req: RawRequest, url: string): PreparedRequest {
  const query = new URLSearchParams(req.query as Record<string, string>).toString();
  return { url: query ? `${url}?${query}` : url, init: { method: 'POST', headers: req.headers as Record<string, string>, body: Buffer.from(req.body) } };
}

export async function runJob(job: LoadJob): Promise<LoadResult & { startedAt: number; dingtalkLowest: number }> {
  if (job.dingtalkBelow !== undefined) useDingtalkBelow(job.dingtalkBelow);
  const warmup = job.mode.kind === 'closed' ? (job.warmup ?? 0) : 0;
  const total = warmup + (job.mode.kind === 'closed' ? job.mode.count : Math.floor(job.mode.rate * job.mode.seconds));
  const all = Array.from({ length: total }, (_, i) => {
    const u = i % job.users.length;
    const text = job.text.replace('{i}', String(i)).replace('{name}', job.names?.[u] ?? '');
    return toFetch(signFor(job.platform, job.users[u]!, text, job.tag), job.url);
  });
  for (const r of all) wire(r); // serialised before the clock starts
  if (warmup > 0 && job.mode.kind === 'closed') await closedLoop((i) => all[i]!, warmup, job.mode.concurrency, 60);
  const signed = all.slice(warmup);
  const make = (i: number) => signed[i]!;
  const startedAt = Date.now();
  const r = job.mode.kind === 'closed' ? await closedLoop(make, job.mode.count, job.mode.concurrency, job.mode.maxSeconds) : await fixedRate(make, job.mode.rate, job.mode.seconds);
  return { ...r, startedAt, dingtalkLowest: dingtalkLowest() };
}
