// Long-connection mode (docs "使用长连接接收事件"): the SDK's WSClient connects out to Feishu, so ChatCRM runs on an
// office PC without a public URL. Frames carry the same events as the webhook; the SDK dispatches them without a
// signature check (the connection itself was authenticated with the app secret) and returns our answer.
import * as lark from '@larksuiteoapi/node-sdk';
import type { FeishuConfig } from './config.js';
import type { FeishuEvents } from './events.js';
import { sdkLogger, type SinkLogger } from './errors.js';

export function createFeishuLongConnection(config: FeishuConfig, events: FeishuEvents, log?: SinkLogger) {
  let client: lark.WSClient | undefined;
  return {
    async start() {
      client = new lark.WSClient({ appId: config.appId, appSecret: config.appSecret, domain: config.domain, autoReconnect: true, ...sdkLogger(log) });
      await client.start({ eventDispatcher: events.dispatcher });
    },
    async stop() {
      client?.close({ force: true });
      client = undefined;
    },
  };
}
