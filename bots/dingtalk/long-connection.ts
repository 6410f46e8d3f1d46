// Stream mode (dingtalk-stream SDK): ChatCRM connects out, so no public URL is needed. Robot messages and card
// clicks arrive as CALLBACK frames, which the SDK does not acknowledge by itself: we acknowledge after the event is
// durably handled (its claim committed), so a crash before that makes DingTalk re-push (~60 s) instead of losing it.
//
// Liveness and reconnecting are ours (bots/watchdog.ts): the SDK retries every second forever (the reconnect storms
// users report) and its keepAlive timer outlives the socket it watched. Each attempt is a fresh client with both
// off; we ping every heartbeat, every frame or pong feeds the watchdog, and a close, a refused attempt or silence
// past the bound reconnects after a backoff with jitter.
import { DWClient, type DWClientDownStream } from 'dingtalk-stream';
import { renderDingtalkTemplateData } from '../../cards/dingtalk/render.js';
import type { Dispatch, TransportStatus } from '../../src/adapter.js';
import { createWatchdog, watchdogTimings, type LongConnectionTimings } from '../watchdog.js';
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
    super({ ...opts, keepAlive: false, debug: false });
    // Not in the constructor's type, but read from this.config by the SDK's close and connect handlers.
    (this.config as { autoReconnect?: boolean }).autoReconnect = false;
  }
  /** The open socket (a runtime member of the SDK's client). */
  get ws(): { on(e: string, cb: () => void): void; ping(): void; terminate(): void; readyState: number } | undefined {
    return (this as unknown as { socket?: never }).socket;
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

/** heartbeatMs: our ping interval (default 10 s); silenceMs: no frame or pong for this long (default 25 s). */
export type DingtalkLongConnectionOptions = LongConnectionTimings;

export function createDingtalkLongConnection(
  config: DingtalkConfig,
  log?: { info?(o: object, m?: string): void; warn(o: object, m?: string): void; error(o: object, m?: string): void },
  o: DingtalkLongConnectionOptions = {},
) {
  let client: ChatCrmStreamClient | undefined;
  let dispatch: Dispatch | undefined;

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

  function drop() {
    const c = client;
    client = undefined;
    if (!c) return;
    (c as unknown as { userDisconnect: boolean }).userDisconnect = true;
    c.ws?.terminate();
  }

  async function connect() {
    drop();
    const c = new ChatCrmStreamClient(config.apiBase, { clientId: config.clientId, clientSecret: config.clientSecret });
    c.registerCallbackListener(TOPIC_ROBOT, guarded(onRobot, dispatch!));
    c.registerCallbackListener(TOPIC_CARD, guarded(onCard, dispatch!));
    client = c;
    // With autoReconnect off, connect() swallows a failure: an unopened client is a failed attempt.
    await c.connect();
    if (client !== c) return;
    const ws = c.ws;
    if (!c.connected || !ws) return dog.lost('connect failed');
    ws.on('message', () => client === c && dog.frame());
    ws.on('pong', () => client === c && dog.frame());
    ws.on('close', () => client === c && dog.lost('closed'));
    dog.opened();
  }

  const heartbeatMs = o.heartbeatMs ?? 10_000;
  const dog = createWatchdog({
    transport: 'dingtalk stream',
    silenceMs: o.silenceMs ?? Math.round(heartbeatMs * 2.5),
    heartbeatMs,
    ping: () => client?.ws?.ping(),
    connect,
    drop,
    ...watchdogTimings(o),
    ...(log ? { log } : {}),
  });

  return {
    async start(d: Dispatch) {
      dispatch = d;
      dog.start();
      await connect();
    },
    async stop() {
      dog.stop();
      drop();
    },
    status: (): TransportStatus => dog.status(),
    watchdog: dog,
  };
}
