// createDingtalkAdapter: the ChatAdapter for a DingTalk internal-app robot — Stream or HTTP in, OpenAPI out.
// Cards are template cards when a template is configured (Stream mode, updated by outTrackId), otherwise
// ActionCards whose buttons send the matching command.
import { createHash, randomBytes } from 'node:crypto';
import { dingtalkMarkdownText, renderDingtalkMessage, renderDingtalkTemplateData, type RobotMessage } from '../../cards/dingtalk/render.js';
import { stripInvisible } from '../../cards/escape.js';
import { AdapterError, type ChatAdapter, type OutboundMessage, type SendTarget } from '../../src/adapter.js';
import { DINGTALK_LIMITS } from '../../cards/dingtalk/limits.js';
import type { TokenStore } from '../token-cache.js';
import { createDingtalkApi } from './api.js';
import type { DingtalkConfig } from './config.js';
import { dingtalkRoutes } from './http.js';
import { createDingtalkLongConnection, type DingtalkLongConnectionOptions } from './long-connection.js';
import type { SignLedger } from './verify.js';

export interface DingtalkDeps {
  tokenStore: TokenStore;
  /** Binds each HTTP callback signature to one msgId (src/db/sign-ledger.ts); in-memory when absent. */
  signLedger?: SignLedger;
  now?: () => number;
  log?: { info?(o: object, m?: string): void; warn(o: object, m?: string): void; error(o: object, m?: string): void };
  /** Abort each API call after this long (default 10 s). */
  timeoutMs?: number;
  /** Long-connection timings (Stream mode). */
  longConnection?: DingtalkLongConnectionOptions;
}

/**
 * Retry policy (DingTalk has no idempotency key for robot messages): a send that timed out or got a 5xx is
 * retried, so a text or ActionCard whose first attempt did arrive may arrive twice — at least once, never lost.
 * ActionCard buttons only send a command (`/批准 A-12`), and the core decides an approval once, so a second copy
 * has nothing live to act on. Template cards are idempotent: the outTrackId is derived from the outbox row, so a
 * retry of a card that did arrive is refused as "outTrackId exists" and taken as delivered — an approver never
 * holds two live copies of one card, and the one copy is the one `updateCard` later closes.
 */
export const outTrackId = (kind: string, key?: string) =>
  `crm-${kind}-${key ? createHash('sha256').update(key).digest('hex').slice(0, 24) : randomBytes(12).toString('hex')}`;

function robotMessage(message: Exclude<OutboundMessage, { type: 'file' | 'image' }>): RobotMessage {
  if (message.type === 'text') return { msgKey: 'sampleText', msgParam: { content: message.text } };
  if (message.type === 'markdown') return { msgKey: 'sampleMarkdown', msgParam: { title: stripInvisible(message.title ?? 'ChatCRM'), text: dingtalkMarkdownText(message.text) } };
  return renderDingtalkMessage(message.card);
}

export function createDingtalkAdapter(config: DingtalkConfig, deps: DingtalkDeps): ChatAdapter {
  const api = createDingtalkApi(config, deps.tokenStore, deps.now, deps.timeoutMs);
  const stream = config.mode === 'stream' ? createDingtalkLongConnection(config, deps.log, deps.longConnection) : undefined;
  // Template-card clicks come back over the Stream connection only.
  const templates = config.mode === 'stream' && config.cardTemplateId;

  return {
    platform: 'dingtalk',
    app: config.robotCode,
    httpRoutes: config.mode === 'http' ? dingtalkRoutes(config, deps.now, deps.signLedger) : [],
    ...(stream ? { start: (dispatch) => stream.start(dispatch), stop: () => stream.stop(), status: () => [stream.status()] } : {}),
    async send(target: SendTarget, message: OutboundMessage, opts) {
      if (message.type === 'file') {
        // Upload, then a sampleFile message. No idempotency key here either: a timed-out send may arrive twice.
        const mediaId = await api.uploadFile(message.fileName, Buffer.from(message.base64, 'base64'), message.mimeType);
        const param = { mediaId, fileName: message.fileName, fileType: message.fileName.split('.').pop() ?? 'pdf' };
        return target.kind === 'user' ? api.sendToUser(target.id, 'sampleFile', param) : api.sendToGroup(target.id, 'sampleFile', param);
      }
      if (message.type === 'image') {
        // Upload as an image, then sampleImageMsg whose photoURL is the media id. A timed-out send may arrive twice.
        const bytes = Buffer.from(message.base64, 'base64');
        if (bytes.length > DINGTALK_LIMITS.imageBytes) throw new AdapterError('dingtalk', 'PLATFORM_REJECTED', `图片 ${bytes.length} 字节，超过钉钉的 ${DINGTALK_LIMITS.imageBytes} 字节上限`, false);
        const mediaId = await api.uploadFile(message.fileName, bytes, message.mimeType, 'image');
        return target.kind === 'user' ? api.sendToUser(target.id, 'sampleImageMsg', { photoURL: mediaId }) : api.sendToGroup(target.id, 'sampleImageMsg', { photoURL: mediaId });
      }
      if (templates && message.type === 'card' && message.card.buttons.length > 0) {
        const id = outTrackId(message.card.kind, opts?.idempotencyKey);
        await api.createCard({ kind: target.kind === 'user' ? 'user' : 'group', id: target.id }, id, renderDingtalkTemplateData(message.card), Boolean(opts?.idempotencyKey));
        return { messageId: id, cardRef: id };
      }
      const m = robotMessage(message);
      return target.kind === 'user' ? api.sendToUser(target.id, m.msgKey, m.msgParam) : api.sendToGroup(target.id, m.msgKey, m.msgParam);
    },
    async updateCard(outTrackId, card) {
      await api.updateCard(outTrackId, renderDingtalkTemplateData(card));
    },
    signIn: {
      authorizeUrl: (redirectUri, state) => api.signInPageUrl(redirectUri, state),
      userOfCode: (code) => api.userOfSignInCode(code),
    },
  };
}
