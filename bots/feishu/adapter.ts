// createFeishuAdapter: the ChatAdapter for a Feishu/Lark custom app — webhook route or long connection in,
// im/v1 messages out (cards as interactive messages, patched in place when an approval closes).
import { renderFeishuCard } from '../../cards/feishu/render.js';
import { AdapterError, type ChatAdapter, type OutboundMessage, type SendTarget } from '../../src/adapter.js';
import { createFeishuApi } from './api.js';
import type { FeishuConfig } from './config.js';
import { createFeishuEvents } from './events.js';
import { feishuRoutes } from './http.js';
import type { SinkLogger } from './errors.js';
import { createFeishuLongConnection, type FeishuLongConnectionOptions } from './long-connection.js';
import type { TokenStore } from '../token-cache.js';

export interface FeishuDeps {
  tokenStore: TokenStore;
  now?: () => number;
  log?: SinkLogger;
  /** Abort each API call after this long (default 10 s). */
  timeoutMs?: number;
  /** Long-connection timings (ws mode). */
  longConnection?: FeishuLongConnectionOptions;
}

function content(message: Exclude<OutboundMessage, { type: 'file' | 'image' }>): { msgType: string; content: unknown } {
  if (message.type === 'text') return { msgType: 'text', content: { text: message.text } };
  if (message.type === 'markdown') {
    // A markdown message is a button-less card: Feishu's text messages do not render markdown.
    return {
      msgType: 'interactive',
      content: renderFeishuCard({ kind: 'notice', title: message.title ?? 'ChatCRM', state: 'info', fields: [], body: message.text, buttons: [] }),
    };
  }
  return { msgType: 'interactive', content: renderFeishuCard(message.card) };
}

export function createFeishuAdapter(config: FeishuConfig, deps: FeishuDeps): ChatAdapter {
  const api = createFeishuApi(config, deps.tokenStore, deps.log, deps.timeoutMs);
  const events = createFeishuEvents({ ...(deps.now ? { now: deps.now } : {}), ...(deps.log ? { log: deps.log } : {}) });
  const ws = config.mode === 'ws' ? createFeishuLongConnection(config, events, deps.log, deps.longConnection) : undefined;

  return {
    platform: 'feishu',
    app: config.appId,
    httpRoutes: config.mode === 'webhook' ? feishuRoutes(config, events, deps.now) : [],
    ...(ws
      ? {
          async start(dispatch) {
            events.bind(dispatch);
            await ws.start();
          },
          stop: () => ws.stop(),
          status: () => [ws.status()],
        }
      : {}),
    async send(target: SendTarget, message: OutboundMessage, opts) {
      if (message.type === 'file') {
        // The upload has no idempotency key (a retry uploads again, harmless); the message create keeps its uuid.
        const fileKey = await api.uploadFile(message.fileName, Buffer.from(message.base64, 'base64'));
        const r = await api.createMessage(target.kind === 'user' ? 'open_id' : 'chat_id', target.id, 'file', { file_key: fileKey }, opts?.idempotencyKey);
        return { messageId: String(r.data?.message_id ?? '') };
      }
      if (message.type === 'image') {
        // Feishu draws the digest's chart in the card itself (chart component); no picture is queued for it.
        throw new AdapterError('feishu', 'PLATFORM_REJECTED', '飞书的图表在卡片里显示，不单独发送图片', false);
      }
      const { msgType, content: body } = content(message);
      // uuid: Feishu drops a create with a uuid it saw within the hour — the key is per install and outbox row.
      const r = await api.createMessage(target.kind === 'user' ? 'open_id' : 'chat_id', target.id, msgType, body, opts?.idempotencyKey);
      const messageId = String(r.data?.message_id ?? '');
      return { messageId, ...(msgType === 'interactive' && messageId ? { cardRef: messageId } : {}) };
    },
    async updateCard(cardRef, card) {
      await api.patchMessage(cardRef, renderFeishuCard(card));
    },
    signIn: {
      authorizeUrl: (redirectUri, state) => api.signInPageUrl(redirectUri, state),
      userOfCode: (code, redirectUri) => api.userOfSignInCode(code, redirectUri),
    },
    async lookupUser(openId) {
      try {
        const r = await api.getUser(openId);
        const name = (r.data?.user as { name?: unknown } | undefined)?.name;
        return typeof name === 'string' ? { name } : undefined;
      } catch {
        // Without the contact scope the directory is closed to us: keep the open_id as the name.
        return undefined;
      }
    },
  };
}
