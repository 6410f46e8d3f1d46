// createWecomRobotAdapter: the ChatAdapter for a WeCom smart robot — long connection in, proactive sends out over the
// same connection. Platform 'wecom', because a robot's users are the corp's userids: a person who uses the
// self-built app and the robot is one ChatCRM user (same identities, roles, reporting line), and the tenant is the
// corp (WECOM_CORP_ID). The robot's outbox lane is its own (app `robot:<botId>`): it sends the replies to messages
// that came through it (`via`) and group messages (a self-built app cannot post in groups), except to the app's
// group-robot webhooks; src/background.ts splits the 'wecom' rows between the two lanes.
import { randomBytes } from 'node:crypto';
import { renderWecomCard, renderWecomMarkdown, wecomMarkdownMessage } from '../../cards/wecom/render.js';
import { neutralizeMarkdown } from '../../cards/escape.js';
import { clipBytes } from '../../cards/text-limits.js';
import { WECOM_LIMITS } from '../../cards/wecom/limits.js';
import { AdapterError, type ChatAdapter, type OutboundMessage, type SendTarget } from '../../src/adapter.js';
import { cardTaskId } from '../wecom/adapter.js';
import { createRobotApi } from './api.js';
import type { WecomRobotConfig } from './config.js';
import { createRobotConnection, type RobotConnectionOptions } from './long-connection.js';

export interface WecomRobotDeps extends RobotConnectionOptions {
  /** Group robots of a self-built app running beside it (their names are group targets that are not ours). */
  groupsElsewhere?: string[];
  /** Abort each send after this long (default 10 s). */
  timeoutMs?: number;
}

/** Robot markdown: the same escaped WeCom subset as the app's, within the group-robot size. */
const LIMIT = WECOM_LIMITS.robotMarkdownBytes;

function body(message: Exclude<OutboundMessage, { type: 'file' | 'image' }>, key?: string): Record<string, unknown> {
  const markdown = (content: string) => ({ msgtype: 'markdown', markdown: { content: clipBytes(content, LIMIT) } });
  if (message.type === 'text') return markdown(neutralizeMarkdown(message.text));
  if (message.type === 'markdown') return markdown(wecomMarkdownMessage(message.title, message.text));
  if (message.card.buttons.length === 0) return markdown(renderWecomMarkdown(message.card, LIMIT));
  // task_id: unique per robot; stable for one outbox row's retries.
  return { msgtype: 'template_card', template_card: renderWecomCard(message.card, { taskId: cardTaskId(message.card.kind, key ?? randomBytes(9).toString('hex')) }) };
}

/** A file's bytes; an image (the digest chart) within the robot's 2 MB, refused for good above it. */
function media(message: Extract<OutboundMessage, { type: 'file' | 'image' }>): Buffer {
  const bytes = Buffer.from(message.base64, 'base64');
  if (message.type === 'image' && bytes.length > WECOM_LIMITS.robotImageBytes) {
    throw new AdapterError('wecom', 'PLATFORM_REJECTED', `图片 ${bytes.length} 字节，超过智能机器人的 ${WECOM_LIMITS.robotImageBytes} 字节上限`, false);
  }
  return bytes;
}

export function createWecomRobotAdapter(config: WecomRobotConfig, deps: WecomRobotDeps = {}): ChatAdapter {
  const app = `robot:${config.botId}`;
  const connection = createRobotConnection(config, app, deps);
  const api = createRobotApi(connection.client, deps.timeoutMs);
  return {
    platform: 'wecom',
    app,
    httpRoutes: [],
    sharesPlatform: { groupsElsewhere: deps.groupsElsewhere ?? [] },
    status: () => [connection.status()],
    start: (dispatch) => connection.start(dispatch),
    stop: () => connection.stop(),
    async send(target: SendTarget, message: OutboundMessage, opts) {
      // A single chat's chatid is the member's userid.
      // Files have no idempotency key here either: a send that timed out after arriving may deliver it twice.
      const r = message.type === 'file' || message.type === 'image'
        ? await api.sendFile(target.id, message.fileName, media(message), message.type)
        : await api.sendMessage(target.id, body(message, opts?.idempotencyKey));
      // No cardRef: a robot card can be changed only in answer to a click on it, so the other copies of an approval
      // card get a short text when it closes (src/services/card-copies.ts).
      return r.msgid ? { messageId: r.msgid } : {};
    },
    async updateCard() {
      // Never called: robot sends return no cardRef.
    },
  };
}
