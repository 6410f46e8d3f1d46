// createWecomAdapter: the ChatAdapter for a WeCom self-built app — callback routes in, message API out.
import { createHash, randomBytes } from 'node:crypto';
import { renderWecomCard, renderWecomMarkdown, renderWecomUpdate, wecomMarkdownMessage } from '../../cards/wecom/render.js';
import { clipBytes } from '../../cards/text-limits.js';
import { WECOM_LIMITS } from '../../cards/wecom/limits.js';
import { AdapterError, type ChatAdapter, type OutboundMessage, type SendTarget } from '../../src/adapter.js';
import { createWecomApi } from './api.js';
import type { WecomConfig } from './config.js';
import { wecomRoutes } from './http.js';
import type { TokenStore } from '../token-cache.js';

export interface WecomDeps {
  tokenStore: TokenStore;
  now?: () => number;
  /** Abort each API call after this long (default 10 s). */
  timeoutMs?: number;
}

/**
 * Resend protection. WeCom's documented rule (doc 90236): with `enable_duplicate_check: 1`, a message whose request
 * JSON is the same as one sent within `duplicate_check_interval` seconds is not delivered again. So every send
 * with an idempotency key (an outbox row) sets the check, and the request JSON is made unique per row: cards carry
 * a task_id derived from the row, text and markdown end with an invisible tag derived from the row. A retry of
 * the same row (a timeout whose first attempt did arrive) is dropped by WeCom; two rows with the same words — the
 * same `/待办` answer asked twice in a minute — differ in the tag and both arrive. Checking only on retries would
 * not work: the first attempt's JSON (without the check) is not what WeCom compares against.
 */
const DUPLICATE_CHECK_SEC = 1800;

const rowHash = (key: string) => createHash('sha256').update(key).digest();

/** Zero-width characters (U+200B/C/D, U+2060) spelling 12 base-4 digits of the row's hash: 36 bytes, invisible. */
const ZW = ['\u200b', '\u200c', '\u200d', '\u2060'] as const;
export function rowTag(key: string): string {
  const h = rowHash(key);
  let out = '';
  for (let i = 0; i < 3; i++) for (let j = 6; j >= 0; j -= 2) out += ZW[(h[i]! >> j) & 3];
  return out;
}
const TAG_BYTES = 36;

/** A template card's task_id: stable for one outbox row (its retries), fresh for every other send. */
export const cardTaskId = (kind: string, key?: string) => `crm-${kind}-${key ? rowHash(key).subarray(0, 12).toString('hex') : randomBytes(9).toString('hex')}`;

export function createWecomAdapter(config: WecomConfig, deps: WecomDeps): ChatAdapter {
  const api = createWecomApi(config, deps.tokenStore, deps.now, deps.timeoutMs);

  function body(message: Exclude<OutboundMessage, { type: 'file' | 'image' }>, key?: string): Record<string, unknown> {
    const limit = WECOM_LIMITS.appMarkdownBytes - (key ? TAG_BYTES : 0);
    const tagged = (content: string) => (key ? `${clipBytes(content, limit)}${rowTag(key)}` : clipBytes(content, limit));
    if (message.type === 'text') return { msgtype: 'text', text: { content: tagged(message.text) } };
    if (message.type === 'markdown') return { msgtype: 'markdown', markdown: { content: tagged(wecomMarkdownMessage(message.title, message.text)) } };
    // A template card holds at most 6 buttons: a card with more (a nine-way choice) goes as markdown listing every
    // option with its command, so none is silently dropped (typing the number still chooses).
    if (message.card.buttons.length === 0 || message.card.buttons.length > WECOM_LIMITS.buttons) {
      return { msgtype: 'markdown', markdown: { content: tagged(renderWecomMarkdown(message.card, limit)) } };
    }
    return { msgtype: 'template_card', template_card: renderWecomCard(message.card, { taskId: cardTaskId(message.card.kind, key) }) };
  }

  /**
   * A file: upload (a new media_id each attempt), then a file message. Retry policy: the duplicate check compares
   * content, and a retried upload has a new media_id, so a send that timed out after arriving may deliver the
   * file twice — harmless for a document, never lost.
   */
  async function sendFile(target: SendTarget, message: Extract<OutboundMessage, { type: 'file' }>, key?: string) {
    const bytes = Buffer.from(message.base64, 'base64');
    if (target.kind === 'user') {
      const mediaId = await api.uploadFile(message.fileName, bytes, message.mimeType);
      const r = await api.sendMessage({ touser: target.id, msgtype: 'file', file: { media_id: mediaId }, ...(key ? { enable_duplicate_check: 1, duplicate_check_interval: DUPLICATE_CHECK_SEC } : {}) });
      return { messageId: String(r.msgid ?? '') };
    }
    const hook = config.webhooks[target.id];
    if (!hook) throw new AdapterError('wecom', 'PLATFORM_REJECTED', `没有名为「${target.id}」的群机器人（WECOM_GROUP_WEBHOOKS）`, false);
    const mediaId = await api.webhookUploadFile(hook, message.fileName, bytes, message.mimeType);
    await api.webhookSend(hook, { msgtype: 'file', file: { media_id: mediaId } });
    return {};
  }

  /**
   * A picture (the digest chart): to a user, an image upload (media/upload type=image) and an image message; through
   * a group robot, the image message itself carries the bytes (base64 and their md5, ≤ 2 MB). Over the limit it is
   * refused for good: a retry would not make it smaller.
   */
  async function sendImage(target: SendTarget, message: Extract<OutboundMessage, { type: 'image' }>, key?: string) {
    const bytes = Buffer.from(message.base64, 'base64');
    const limit = target.kind === 'user' ? WECOM_LIMITS.appImageBytes : WECOM_LIMITS.robotImageBytes;
    if (bytes.length > limit) throw new AdapterError('wecom', 'PLATFORM_REJECTED', `图片 ${bytes.length} 字节，超过企业微信的 ${limit} 字节上限`, false);
    if (target.kind === 'user') {
      const mediaId = await api.uploadFile(message.fileName, bytes, message.mimeType, 'image');
      const r = await api.sendMessage({ touser: target.id, msgtype: 'image', image: { media_id: mediaId }, ...(key ? { enable_duplicate_check: 1, duplicate_check_interval: DUPLICATE_CHECK_SEC } : {}) });
      return { messageId: String(r.msgid ?? '') };
    }
    const hook = config.webhooks[target.id];
    if (!hook) throw new AdapterError('wecom', 'PLATFORM_REJECTED', `没有名为「${target.id}」的群机器人（WECOM_GROUP_WEBHOOKS）`, false);
    await api.webhookSend(hook, { msgtype: 'image', image: { base64: message.base64, md5: createHash('md5').update(bytes).digest('hex') } });
    return {};
  }

  return {
    platform: 'wecom',
    app: `${config.corpId}/${config.agentId}`,
    httpRoutes: wecomRoutes(config, deps.now),
    async send(target: SendTarget, message: OutboundMessage, opts) {
      if (message.type === 'file') return sendFile(target, message, opts?.idempotencyKey);
      if (message.type === 'image') return sendImage(target, message, opts?.idempotencyKey);
      if (target.kind === 'user') {
        const r = await api.sendMessage({
          touser: target.id,
          ...body(message, opts?.idempotencyKey),
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
    signIn: {
      authorizeUrl: (redirectUri, state) => api.signInPageUrl(redirectUri, state),
      userOfCode: (code) => api.userOfSignInCode(code),
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
