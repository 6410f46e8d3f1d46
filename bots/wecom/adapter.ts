// createWecomAdapter: the ChatAdapter for a WeCom self-built app — callback routes in, message API out.
import { randomBytes } from 'node:crypto';
import { renderWecomCard, renderWecomMarkdown, renderWecomUpdate, wecomMarkdownMessage } from '../../cards/wecom/render.js';
import { WECOM_LIMITS, clipBytes } from '../../cards/wecom/limits.js';
import { AdapterError, type ChatAdapter, type OutboundMessage, type SendTarget } from '../adapter.js';
import { createWecomApi } from './api.js';
import type { WecomConfig } from './config.js';
import { wecomRoutes } from './http.js';
import type { TokenStore } from '../token-cache.js';

export interface WecomDeps {
  tokenStore: TokenStore;
  now?: () => number;
}

/** Resend protection: WeCom drops a repeat of the same content to the same user within this window. */
const DUPLICATE_CHECK_SEC = 1800;

export function createWecomAdapter(config: WecomConfig, deps: WecomDeps): ChatAdapter {
  const api = createWecomApi(config, deps.tokenStore, deps.now);

  function body(message: OutboundMessage): Record<string, unknown> {
    if (message.type === 'text') return { msgtype: 'text', text: { content: message.text } };
    if (message.type === 'markdown') {
      const content = wecomMarkdownMessage(message.title, message.text);
      return { msgtype: 'markdown', markdown: { content: clipBytes(content, WECOM_LIMITS.appMarkdownBytes) } };
    }
    if (message.card.buttons.length === 0) return { msgtype: 'markdown', markdown: { content: renderWecomMarkdown(message.card) } };
    const taskId = `crm-${message.card.kind}-${randomBytes(9).toString('hex')}`;
    return { msgtype: 'template_card', template_card: renderWecomCard(message.card, { taskId }) };
  }

  return {
    platform: 'wecom',
    app: `${config.corpId}/${config.agentId}`,
    httpRoutes: wecomRoutes(config, deps.now),
    async send(target: SendTarget, message: OutboundMessage, opts) {
      if (target.kind === 'user') {
        const r = await api.sendMessage({
          touser: target.id,
          ...body(message),
          ...(opts?.idempotencyKey ? { enable_duplicate_check: 1, duplicate_check_interval: DUPLICATE_CHECK_SEC } : {}),
        });
        return { messageId: String(r.msgid ?? ''), ...(r.response_code ? { cardRef: String(r.response_code) } : {}) };
      }
      // Self-built apps cannot post into groups they did not create; team digests go through group robots.
      const key = config.webhooks[target.id];
      if (!key) throw new AdapterError('wecom', 'PLATFORM_REJECTED', `没有名为「${target.id}」的群机器人（WECOM_GROUP_WEBHOOKS）`, false);
      const content =
        message.type === 'card'
          ? renderWecomMarkdown(message.card, WECOM_LIMITS.robotMarkdownBytes)
          : message.type === 'markdown'
            ? wecomMarkdownMessage(message.title, message.text)
            : message.text;
      await api.webhookSend(key, { msgtype: 'markdown', markdown: { content: clipBytes(content, WECOM_LIMITS.robotMarkdownBytes) } });
      return {};
    },
    async updateCard(cardRef, card) {
      // A send-time response_code is single-use for 72 h; atall:1 updates the card for every recipient of the task.
      await api.updateTemplateCard({ atall: 1, response_code: cardRef, ...renderWecomUpdate(card) });
    },
    async lookupUser(userid) {
      try {
        const r = await api.getUser(userid);
        return typeof r.name === 'string' ? { name: r.name } : undefined;
      } catch (err) {
        // The app secret may not be allowed to read the directory (48002/60011): fall back to the id.
        if (err instanceof AdapterError && !err.retryable) return undefined;
        throw err;
      }
    },
  };
}
