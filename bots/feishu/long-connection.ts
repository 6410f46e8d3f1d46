// Long-connection mode (docs "使用长连接接收事件"): the SDK's WSClient connects out to Feishu, so ChatCRM runs on an
// office PC without a public URL. Frames carry the same events as the webhook; the SDK dispatches them without a
// signature check (the connection itself was authenticated with the app secret) and returns our answer.
//
// Liveness is ours (bots/watchdog.ts): the SDK's own check is off by default (pingTimeout 0) and users report
// half-open sockets that go silent. Every frame the client receives (events, pongs) feeds the watchdog; the SDK's
// pingTimeout is also set, so a ping without a pong drops the socket at once. Reconnecting is the watchdog's too: the
// SDK's loop retries at a fixed interval forever, so each attempt is a fresh client with autoReconnect off, after a
// backoff with jitter; a close or a failed attempt reaches the watchdog through the SDK's reConnect hook.
import * as lark from '@larksuiteoapi/node-sdk';
import type { TransportStatus } from '../../src/adapter.js';
import { createWatchdog, watchdogTimings, type LongConnectionTimings } from '../watchdog.js';
import type { FeishuConfig } from './config.js';
import type { FeishuEvents } from './events.js';
import { sdkLogger, type SinkLogger } from './errors.js';

/** silenceMs default 300 s: Feishu's client pings every 120 s (the server's PingInterval) and the pong answers. */
export interface FeishuLongConnectionOptions extends LongConnectionTimings {
  /** The SDK's wait for a pong after each ping, in seconds (default 15). */
  pingTimeoutSec?: number;
}

/** The WSClient members the watchdog needs (runtime members of SDK 1.x, checked by test/bots/feishu/long-connection.test.ts). */
interface WsInternals {
  reConnect(isStart?: boolean): Promise<void>;
  handleControlData(data: unknown): Promise<void>;
  handleEventData(data: unknown): Promise<void>;
}

/**
 * The WSClient logs every failed attempt ("[ws] connect failed", "ws error"): an outage is the watchdog's to report,
 * once. What the client logs about handling an event still comes through.
 */
function connectionNoiseFilter(log?: SinkLogger): SinkLogger | undefined {
  if (!log) return undefined;
  const noise = (m?: string) => !/invoke event failed|failed to handle inbound frame/.test(m ?? '');
  return {
    warn: (obj, m) => (noise(m) ? undefined : log.warn(obj, m)),
    error: (obj, m) => (noise(m) ? undefined : log.error(obj, m)),
  };
}

export function createFeishuLongConnection(config: FeishuConfig, events: FeishuEvents, log?: SinkLogger & { info?(o: object, m?: string): void }, o: FeishuLongConnectionOptions = {}) {
  let client: lark.WSClient | undefined;
  let reported = false;

  function drop() {
    const c = client;
    client = undefined;
    c?.close({ force: true });
  }

  function connect() {
    drop();
    const c = new lark.WSClient({
      appId: config.appId,
      appSecret: config.appSecret,
      domain: config.domain,
      autoReconnect: false,
      wsConfig: { pingTimeout: o.pingTimeoutSec ?? 15 },
      onReady: () => {
        if (client !== c) return;
        reported = false;
        dog.opened();
      },
      // A refusal the SDK gives up on (wrong App Secret, app without the long-connection mode): said once per outage.
      onError: (err: Error) => {
        if (client !== c || reported) return;
        reported = true;
        log?.error({ platform: 'feishu', transport: 'feishu ws', error: String(err?.message ?? err).slice(0, 200) }, '飞书长连接被拒绝：请检查 FEISHU_APP_ID / FEISHU_APP_SECRET 和 事件与回调 → 使用长连接接收事件');
      },
      ...sdkLogger(connectionNoiseFilter(log)),
    });
    const internals = c as unknown as WsInternals;
    const reConnect = internals.reConnect.bind(c);
    // Called with isStart only by start(); otherwise after a close or a failed attempt: the watchdog retries.
    internals.reConnect = (isStart?: boolean) => {
      if (isStart) return reConnect(true);
      if (client === c) dog.lost('closed');
      return Promise.resolve();
    };
    for (const name of ['handleControlData', 'handleEventData'] as const) {
      const handle = internals[name].bind(c);
      internals[name] = (data: unknown) => {
        if (client === c) dog.frame();
        return handle(data);
      };
    }
    client = c;
    void c.start({ eventDispatcher: events.dispatcher });
  }

  const dog = createWatchdog({
    transport: 'feishu ws',
    silenceMs: o.silenceMs ?? 300_000,
    connect,
    drop,
    ...watchdogTimings(o),
    ...(log ? { log } : {}),
  });

  return {
    async start() {
      dog.start();
      connect();
    },
    async stop() {
      dog.stop();
      drop();
    },
    status: (): TransportStatus => dog.status(),
    watchdog: dog,
  };
}
