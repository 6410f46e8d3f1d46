// Card clicks: each button's handler, and the entry the dispatcher calls. A click becomes the same command a user
// could type where one exists, so clicks and text share one pipeline. The actor is always the platform-verified
// clicker; values in the card only say which record the button is about, never who may act.
import { decodeActionData, type ActionData } from '../../cards/action-data.js';
import type { DispatchOutcome, InboundCardAction, OutboundMessage } from '../adapter.js';
import { decisionReply } from '../commands/approve.js';
import { runChatText, voiceDecisionReply } from '../commands/index.js';
import { confirmReply } from '../commands/handover.js';
import type { CommandEnv } from '../commands/contract.js';
import { isDomainError } from '../domain/errors.js';
import { decideApproval, findApprovalId } from '../services/approvals.js';
import { approvalCard } from '../services/approval-view.js';
import { confirmHandover } from '../services/handover.js';
import { decideVoiceDraft, voiceDraftCard } from '../services/voice-drafts.js';

export type CardActionResult = DispatchOutcome & { replies?: OutboundMessage[] };

type Handler = (env: CommandEnv, data: ActionData, event: InboundCardAction) => Promise<CardActionResult>;

const approve: Handler = async (env, data) => {
  try {
    const id = await findApprovalId(env.ctx, data.id);
    const result = await decideApproval(env.ctx, id, 'approved');
    const reply = decisionReply(result, 'approved');
    return { toast: reply, toastType: 'success', card: result.card, replies: [{ type: 'text', text: reply }] };
  } catch (err) {
    if (!isDomainError(err)) throw err;
    // Second click, closed request, or a stranger: nothing changes; say so politely and show the current card.
    const card = err.code === 'NOT_FOUND' || err.code === 'INVALID_INPUT' ? undefined : await approvalCard(env.ctx, await findApprovalId(env.ctx, data.id));
    // The refusal also goes to the chat: not every platform shows toasts (WeCom cards have none).
    return { toast: err.userMessage, toastType: 'error', ...(card && err.code !== 'NOT_ALLOWED' ? { card } : {}), replies: [{ type: 'text', text: err.userMessage }] };
  }
};

const reject: Handler = async (_env, data) => {
  const reply = `请回复驳回原因：/驳回 ${data.id} <原因>`;
  return { toast: reply, toastType: 'info', replies: [{ type: 'text', text: reply }] };
};

const confirmHandoverAction: Handler = async (env, data) => {
  try {
    const result = await confirmHandover(env.ctx, data.id);
    const reply = confirmReply(result);
    return { toast: '已接收交接', toastType: 'success', card: result.card, replies: [{ type: 'text', text: reply }] };
  } catch (err) {
    if (!isDomainError(err)) throw err;
    return { toast: err.userMessage, toastType: 'error', replies: [{ type: 'text', text: err.userMessage }] };
  }
};

/** A voice note's card: 1 = 确认 (record), 2 = 修改 (drop, and send the command to edit), 3 = 取消. */
const voice: Handler = async (env, data) => {
  const asked = data.n === 1 ? 'record' : data.n === 2 ? 'edit' : 'cancel';
  try {
    const r = await decideVoiceDraft(env.ctx, data.id, asked === 'record' ? 'record' : 'cancel');
    const reply = voiceDecisionReply(env, r, asked);
    const done = r.followUp ? '已记录' : r.already ? '已处理过' : '未记录';
    return { toast: done, toastType: r.followUp ? 'success' : 'info', card: voiceDraftCard(env.ctx, r.draft, r.target), replies: [{ type: 'text', text: reply }] };
  } catch (err) {
    if (!isDomainError(err)) throw err;
    return { toast: err.userMessage, toastType: 'error', replies: [{ type: 'text', text: err.userMessage }] };
  }
};

const cardActionHandlers: Record<string, Handler> = {
  voice,
  approve,
  reject,
  confirm_handover: confirmHandoverAction,
  choose: (env, data) => asCommand(env, String(data.n ?? '')),
  log: async (_env, data) => {
    const reply = `请发送跟进内容：/跟进 ${data.id} <内容> 下一步:<…>`;
    return { toast: reply, toastType: 'info', replies: [{ type: 'text', text: reply }] };
  },
  snooze: (env, data) => asCommand(env, `/推迟 ${data.id}`),
  lost: async (_env, data) => {
    const reply = `请发送输单原因：/输单 ${data.id} <原因>`;
    return { toast: reply, toastType: 'info', replies: [{ type: 'text', text: reply }] };
  },
};

export async function handleCardAction(env: CommandEnv, event: InboundCardAction): Promise<CardActionResult> {
  const decoded = decodeActionData(event.data);
  if (!decoded.ok) return { toast: '这张卡片已过期，请重新操作', toastType: 'error', replies: [] };
  const handler = cardActionHandlers[decoded.value.a];
  if (handler) return handler(env, decoded.value, event);
  return { toast: '未知操作', toastType: 'error', replies: [] };
}

async function asCommand(env: CommandEnv, command: string): Promise<CardActionResult> {
  return { replies: await runChatText(env, command) };
}
