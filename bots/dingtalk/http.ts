// DingTalk robot HTTP callback (消息接收模式 HTTP). Order: size → sign + timestamp (constant time) → JSON → shape →
// robot code → (sign, msgId) ledger → dispatch. A request failing a check gets 401/400 and never reaches the database.
import type { Dispatch, HttpRoute, RawReply, RawRequest } from '../../src/adapter.js';
import type { DingtalkConfig } from './config.js';
import { parseJsonData } from '../plain-data.js';
import { decodeRobotMessage, robotMessageSchema } from './decode.js';
import { checkTimestamp, createMemorySignLedger, type SignLedger, verifyDingtalkSign } from './verify.js';

export const MAX_BODY_BYTES = 64 * 1024;
const json = (status: number, body: unknown = {}): RawReply => ({ status, headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify(body) });

export function dingtalkRoutes(config: DingtalkConfig, now: () => number = Date.now, ledger: SignLedger = createMemorySignLedger()): HttpRoute[] {
  return [{ method: 'POST', path: '/bots/dingtalk/callback', handle: (req, dispatch) => receive(config, req, dispatch, now, ledger) }];
}

async function receive(config: DingtalkConfig, req: RawRequest, dispatch: Dispatch, now: () => number, ledger: SignLedger): Promise<RawReply> {
  if (req.body.length === 0) return json(400);
  if (req.body.length > MAX_BODY_BYTES) return json(413);
  const timestamp = req.headers.timestamp ?? '';
  const sign = req.headers.sign ?? '';
  if (!verifyDingtalkSign(timestamp, sign, config.clientSecret)) return json(401);
  if (!checkTimestamp(timestamp, now())) return json(401);
  let body: unknown;
  try {
    body = parseJsonData(req.body.toString('utf8'));
  } catch {
    return json(400);
  }
  const parsed = robotMessageSchema.safeParse(body);
  if (!parsed.success) return json(400);
  if (parsed.data.robotCode && parsed.data.robotCode !== config.robotCode) return json(401);
  // A valid pair seen before with another msgId is a replay with a swapped body: refuse before anything is written.
  if (!(await ledger.claim(sign, timestamp, parsed.data.msgId))) return json(401);
  const event = decodeRobotMessage(parsed.data, new Date(now()));
  // External contacts cannot use the CRM; a 200 stops re-delivery.
  if (typeof event === 'string') return json(200);
  // A failure here is ours (e.g. database down): 500 so DingTalk re-delivers; the msgId claim makes that safe.
  await dispatch(event);
  return json(200);
}
