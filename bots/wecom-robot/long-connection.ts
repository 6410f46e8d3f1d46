// The smart robot's long connection (@wecom/aibot-node-sdk WSClient, doc 101463): ChatCRM connects out to
// wss://openws.work.weixin.qq.com (or WECOM_BOT_WS_URL), so no public address or trusted IP is needed.
// Frame protocol: aibot_subscribe {bot_id, secret} → receipt; `ping` every heartbeat → receipt; pushes
// aibot_msg_callback (messages) and aibot_event_callback (card clicks, enter_chat, disconnected_event); our
// aibot_send_msg (proactive) and aibot_respond_update_msg (answer a click with a new card) each get a receipt.
//
// Reconnecting is ours, not the SDK's: its own retry (exponential, no jitter) gives up after 10 attempts, so each
// attempt is a fresh client with the SDK's retries off, driven by bots/watchdog.ts (silence bound, backoff with
// jitter, one warning per outage). A message frame carries no ack of its own: it is recorded in the inbox
// (deduplicated on `bot:<msgid>`) before anything is sent about it, so a re-pushed frame changes nothing. A
// disconnected_event means another process connected with the same robot (WeCom keeps one connection per robot):
// this one stops rather than take the connection back and forth.
import { WSClient, type WsFrame } from '@wecom/aibot-node-sdk';
import { renderWecomRobotUpdate } from '../../cards/wecom/render.js';
import type { Dispatch, TransportStatus } from '../../src/adapter.js';
import { createWatchdog, watchdogTimings, type LongConnectionTimings, type Watchdog } from '../watchdog.js';
import type { WecomRobotConfig } from './config.js';
import { decodeRobotEvent, decodeRobotMessage } from './decode.js';

/** heartbeatMs: the SDK's ping interval (default 30 s); silenceMs: no frame, pong included (default 2.5 heartbeats). */
export interface RobotConnectionOptions extends LongConnectionTimings {
  log?: { info?(o: object, m?: string): void; warn(o: object, m?: string): void; error(o: object, m?: string): void };
}

/** The SDK logs every attempt and, at debug level, message bodies: only an authentication failure reaches our log. */
function sdkLogger(log: RobotConnectionOptions['log'], once: Set<string>) {
  const quiet = () => {};
  return {
    debug: quiet,
    info: quiet,
    warn: quiet,
    error(message: string) {
      if (!/Authentication failed/i.test(message) || once.has('auth')) return;
      once.add('auth');
      // errcode and errmsg only; the secret never appears in the SDK's error text.
      log?.error({ platform: 'wecom', transport: 'wecom-robot', error: message.slice(0, 200) }, '企业微信智能机器人认证失败：请检查 WECOM_BOT_ID / WECOM_BOT_SECRET');
    },
  };
}

export function createRobotConnection(config: WecomRobotConfig, via: string, o: RobotConnectionOptions = {}) {
  const heartbeatMs = o.heartbeatMs ?? 30_000;
  const now = o.now ?? Date.now;
  let client: WSClient | undefined;
  let dispatch: Dispatch | undefined;
  const logOnce = new Set<string>();
  const ctx = () => ({ tenantKey: config.tenantKey, via, now: new Date(now()) });

  async function onMessage(frame: WsFrame) {
    const event = decodeRobotMessage(frame.body, ctx());
    if (event && dispatch) await dispatch(event);
  }

  async function onCard(c: WSClient, frame: WsFrame) {
    const event = decodeRobotEvent(frame.body, ctx());
    if (!event || event.type !== 'card_action' || !dispatch) return;
    const outcome = await dispatch(event);
    // The clicked card changes at once for everyone in that chat; the other copies get a short text (card-copies).
    if (outcome.card) await c.updateTemplateCard(frame, renderWecomRobotUpdate(outcome.card, event.cardRef!) as never);
  }

  const guarded = (work: Promise<unknown>) =>
    work.catch((err) => o.log?.error({ platform: 'wecom', transport: 'wecom-robot', err: String((err as Error)?.message ?? (err as { errmsg?: string })?.errmsg ?? err) }, 'robot frame failed'));

  function drop() {
    const c = client;
    client = undefined;
    if (!c) return;
    c.removeAllListeners();
    c.disconnect();
  }

  function connect() {
    drop();
    const c = new WSClient({
      botId: config.botId,
      secret: config.secret,
      wsUrl: config.wsUrl,
      heartbeatInterval: heartbeatMs,
      // Off: the watchdog reconnects (with jitter, without giving up).
      maxReconnectAttempts: 0,
      maxAuthFailureAttempts: 0,
      logger: sdkLogger(o.log, logOnce),
    });
    // Every frame the SDK receives (pushes, receipts, pongs) feeds the watchdog. handleFrame is the SDK's one entry
    // for parsed frames (WsConnectionManager, 1.0.7); test/bots/wecom-robot/long-connection.test.ts fails if that changes.
    const manager = (c as unknown as { wsManager: { handleFrame(f: unknown): void } }).wsManager;
    const handle = manager.handleFrame.bind(manager);
    manager.handleFrame = (f: unknown) => {
      if (client === c) dog.frame();
      handle(f);
    };
    c.on('authenticated', () => {
      if (client !== c) return;
      logOnce.delete('auth');
      dog.opened();
    });
    c.on('disconnected', () => client === c && dog.lost('closed'));
    c.on('event.disconnected_event', () => {
      if (client !== c) return;
      o.log?.warn({ platform: 'wecom', transport: 'wecom-robot' }, '另一个进程用同一个机器人建立了长连接，本进程的机器人连接已停止（每个机器人只保留一个连接）');
      dog.replaced();
      client = undefined;
    });
    c.on('message', (frame) => void guarded(onMessage(frame)));
    c.on('event.template_card_event', (frame) => void guarded(onCard(c, frame)));
    client = c;
    c.connect();
  }

  const dog: Watchdog = createWatchdog({
    transport: 'wecom-robot',
    silenceMs: o.silenceMs ?? Math.round(heartbeatMs * 2.5),
    connect,
    drop,
    ...watchdogTimings(o),
    now,
    ...(o.log ? { log: o.log } : {}),
  });

  return {
    async start(d: Dispatch) {
      dispatch = d;
      dog.start();
      connect();
    },
    async stop() {
      dog.stop();
      drop();
    },
    /** The connected client, for sends (undefined while down). */
    client: () => (client?.isConnected ? client : undefined),
    status: (): TransportStatus => dog.status(),
    watchdog: dog,
  };
}

export type RobotConnection = ReturnType<typeof createRobotConnection>;
