// Stream mode (dingtalk-stream SDK): ChatCRM connects out, so no public URL is needed. Robot messages and card
// clicks arrive as CALLBACK frames, which the SDK does not acknowledge by itself: we acknowledge after the event is
// durably handled (its claim committed), so a crash before that makes DingTalk re-push (~60 s) instead of losing it.
import { DWClient, type DWClientDownStream } from 'dingtalk-stream';
import { renderDingtalkTemplateData } from '../../cards/dingtalk/render.js';
import type { Dispatch } from '../../src/adapter.js';
import type { DingtalkConfig } from './config.js';
import { decodeCardCallback, decodeRobotMessage, robotMessageSchema } from './decode.js';
import { parseJsonData } from '../plain-data.js';

export const TOPIC_ROBOT = '/v1.0/im/bot/messages/get';
export const TOPIC_CARD = '/v1.0/card/instances/callback';

/**
 * The SDK hard-codes the gateway URL; this subclass asks `${apiBase}/v1.0/gateway/connections/open` instead (the
 * same path on api.dingtalk.com), so tests can run a local gateway.
 */
class ChatCrmStreamClient extends DWClient {
  constructor(private readonly apiBase: string, opts: { clientId: string; clientSecret: string }) {
    super({ ...opts, keepAlive: true, debug: false });
  }
  override async getEndpoint(): Promise<this> {
    const res = await fetch(`${this.apiBase}/v1.0/gateway/connections/open`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ clientId: this.config.clientId, clientSecret: this.config.clientSecret, ua: 'chatcrm', subscriptions: this.config.subscriptions }),
      signal: AbortSignal.timeout(10_000),
    });
    const body = (await res.json().catch(() => ({}))) as { endpoint?: string; ticket?: string };
    if (!res.ok || !body.endpoint || !body.ticket) throw new Error(`stream gateway refused: HTTP ${res.status}`);
    (this as unknown as { dw_url: string }).dw_url = `${body.endpoint}?ticket=${encodeURIComponent(body.ticket)}`;
    return this;
  }
}

export function createDingtalkLongConnection(config: DingtalkConfig, log?: { warn(o: object, m?: string): void; error(o: object, m?: string): void }) {
  let client: ChatCrmStreamClient | undefined;

  async function onRobot(dispatch: Dispatch, frame: DWClientDownStream) {
    let data: unknown;
    try {
      data = parseJsonData(frame.data);
    } catch {
      return client?.socketCallBackResponse(frame.headers.messageId, {});
    }
    const parsed = robotMessageSchema.safeParse(data);
    const event = parsed.success ? decodeRobotMessage(parsed.data, new Date()) : 'malformed';
    if (typeof event !== 'string') await dispatch(event);
    client?.socketCallBackResponse(frame.headers.messageId, {});
  }

  async function onCard(dispatch: Dispatch, frame: DWClientDownStream) {
    let event;
    try {
      event = decodeCardCallback(parseJsonData(frame.data), new Date());
    } catch {
      event = null;
    }
    if (!event) return client?.socketCallBackResponse(frame.headers.messageId, {});
    const outcome = await dispatch(event);
    // Answering with the card's new variables updates it in place for the clicker at once.
    client?.socketCallBackResponse(frame.headers.messageId, outcome.card ? { cardData: { cardParamMap: renderDingtalkTemplateData(outcome.card) } } : {});
  }

  const guarded = (fn: (d: Dispatch, f: DWClientDownStream) => Promise<unknown>, dispatch: Dispatch) => (frame: DWClientDownStream) => {
    // No ack on failure: DingTalk re-pushes the frame, and the event claim makes the retry safe.
    fn(dispatch, frame).catch((err) => log?.error({ platform: 'dingtalk', err: String((err as Error)?.message ?? err) }, 'stream callback failed; DingTalk will re-push'));
  };

  return {
    async start(dispatch: Dispatch) {
      client = new ChatCrmStreamClient(config.apiBase, { clientId: config.clientId, clientSecret: config.clientSecret });
      client.registerCallbackListener(TOPIC_ROBOT, guarded(onRobot, dispatch));
      client.registerCallbackListener(TOPIC_CARD, guarded(onCard, dispatch));
      await client.connect();
    },
    async stop() {
      client?.disconnect();
      client = undefined;
    },
  };
}
