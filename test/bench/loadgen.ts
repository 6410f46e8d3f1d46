// The load generator, run as its own process (fork) so the server's event loop carries only the server. It
// receives one job over IPC, signs every request before the clock starts (real WeCom / Feishu / DingTalk
// signing, test/bots/*/sign.ts), sends them with Node's fetch (undici, keep-alive), and answers with the result.
import type { RawRequest } from '../../bots/adapter.js';
import { robotMessage, signedRobotCallback } from '../bots/dingtalk/sign.js';
import { messageEvent, signedEvent } from '../bots/feishu/sign.js';
import { signedCallback, textXml } from '../bots/wecom/sign.js';
import { closedLoop, fixedRate, type LoadResult } from './load.js';

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
}

export const CALLBACK_PATHS: Record<Platform, string> = { wecom: '/bots/wecom/callback', feishu: '/bots/feishu/events', dingtalk: '/bots/dingtalk/callback' };

let seq = 0;
export function signFor(platform: Platform, user: string, text: string, tag: string): RawRequest {
  const id = `${tag}${String(++seq).padStart(10, '0')}`;
  if (platform === 'wecom') return signedCallback(textXml(user, text, id));
  if (platform === 'feishu') return signedEvent(messageEvent(user, text, { eventId: `ev-${id}` }));
  return signedRobotCallback(robotMessage(user, text, { msgId: `msg${id}` }));
}

export function toFetch(req: RawRequest, url: string) {
  const query = new URLSearchParams(req.query as Record<string, string>).toString();
  return { url: query ? `${url}?${query}` : url, init: { method: 'POST', headers: req.headers as Record<string, string>, body: req.body } satisfies RequestInit };
}

export async function runJob(job: LoadJob): Promise<LoadResult & { startedAt: number }> {
  const total = job.mode.kind === 'closed' ? job.mode.count : Math.floor(job.mode.rate * job.mode.seconds);
  const signed = Array.from({ length: total }, (_, i) => {
    const u = i % job.users.length;
    const text = job.text.replace('{i}', String(i)).replace('{name}', job.names?.[u] ?? '');
    return toFetch(signFor(job.platform, job.users[u]!, text, job.tag), job.url);
  });
  const make = (i: number) => signed[i]!;
  const startedAt = Date.now();
  const r = job.mode.kind === 'closed' ? await closedLoop(make, job.mode.count, job.mode.concurrency, job.mode.maxSeconds) : await fixedRate(make, job.mode.rate, job.mode.seconds);
  return { ...r, startedAt };
}

if (process.send) {
  process.once('message', (job: LoadJob) => {
    runJob(job).then(
      (result) => process.send!({ result }, () => process.exit(0)),
      (err: Error) => process.send!({ error: err.message }, () => process.exit(1)),
    );
  });
}
