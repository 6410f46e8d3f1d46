// A card click becomes the same command a user could type, so clicks and text share one pipeline.
import type { DispatchOutcome, InboundCardAction, OutboundMessage } from '../../bots/adapter.js';
import { decodeActionData } from '../../cards/action-data.js';
import { runChatText } from '../commands/index.js';
import type { CommandEnv } from '../commands/registry.js';
import { cardActionHandlers } from './card-actions.js';

export type CardActionResult = DispatchOutcome & { replies?: OutboundMessage[] };

export async function handleCardAction(env: CommandEnv, event: InboundCardAction): Promise<CardActionResult> {
  const decoded = decodeActionData(event.data);
  if (!decoded.ok) return { toast: '这张卡片已过期，请重新操作', toastType: 'error', replies: [] };
  const handler = cardActionHandlers[decoded.value.a];
  if (handler) return handler(env, decoded.value, event);
  return { toast: '未知操作', toastType: 'error', replies: [] };
}

export async function asCommand(env: CommandEnv, command: string): Promise<CardActionResult> {
  return { replies: await runChatText(env, command) };
}
