// Voice notes: the platform's transcript (DingTalk `recognition`, WeCom robot voice) read like a typed plain
// sentence — the customer or deal it names, a next date said aloud (下周二下午, 月底) — but shown back first with
// 确认 / 修改 / 取消, because speech recognition mishears (src/services/voice-drafts.ts). A tenant that turns the
// confirmation off (`/设置 语音确认 关`) gets the follow-up written at once, with what was heard in the reply.
// `/语音 确认|修改|取消` does the same as the buttons for the latest pending note (text-only cards).
import type { OutboundMessage } from '../adapter.js';
import { findSpokenDate } from '../domain/dates.js';
import { findSpokenAmount } from '../domain/money.js';
import { messageTooLong } from '../domain/text-gate.js';
import { guessFollowUpKind } from '../services/follow-ups.js';
import { recordNamedIn } from '../services/sentence-target.js';
import { tenantSettings } from '../services/tenant-settings.js';
import { createVoiceDraft, decideVoiceDraft, draftCommand, voiceDraftCard, type VoiceDecided } from '../services/voice-drafts.js';
import { type CommandEnv, type CommandSpec, UsageError, card, text } from './contract.js';
import { followUpReply, logAndReply } from './log.js';

const heard = (t: string) => `听到：「${t}」`;

export async function spokenFollowUp(env: CommandEnv, transcript: string): Promise<OutboundMessage[]> {
  const said = transcript.trim();
  if (!said) return [text('没能听清这条语音（平台没有给出文字）。请再说一次，或直接打字。')];
  const tooLong = messageTooLong(said);
  if (tooLong) return [text(tooLong)];
  if (env.chat.kind !== 'direct') return [text(`${heard(said)}\n语音跟进请在和我的单聊里发送；群里请用文字命令，例如 /跟进 D-3 已寄样。`)];
  const target = await recordNamedIn(env.ctx, said);
  if (!target) {
    return [text(`${heard(said)}\n这句话没有提到你名下的某一个客户或商机，所以没有记为跟进。可以说出客户名称或商机号，例如「D-3 今天电话沟通了交期，下周二下午再联系」。`)];
  }
  const due = findSpokenDate(said, env.ctx.now, env.ctx.timeZone);
  const input = { kind: guessFollowUpKind(said), summary: said, ...(due ? { nextDueAt: due.date } : {}) };
  if (!(await tenantSettings(env.ctx.db, env.ctx.actor.tenantId)).voice.confirm) {
    const [reply] = await logAndReply(env, target, input);
    return [text(`${heard(said)}\n${reply!.type === 'text' ? reply!.text : ''}`)];
  }
  const draft = await createVoiceDraft(env.ctx, { transcript: said, target, ...input });
  const amount = findSpokenAmount(said);
  return [card(voiceDraftCard(env.ctx, draft, target, amount ? { amountFen: amount.fen } : {}))];
}

/** The words for a decision (button or `/语音`), and the decided card. */
export function voiceDecisionReply(env: CommandEnv, r: VoiceDecided, asked: 'record' | 'edit' | 'cancel'): string {
  if (r.already === 'recorded') return '这条语音跟进已经记录过了。记错了？发送 /撤销 可撤回。';
  if (r.already === 'cancelled') return '这条语音跟进已取消，没有记录。需要时请重新发送语音或文字。';
  if (asked === 'edit') return `好的，这条语音没有记录。请修改后发送：\n${draftCommand(env.ctx, r.draft, r.target)}`;
  if (asked === 'cancel') return '已取消：这条语音没有记录。';
  const [reply] = followUpReply(env, r.target, r.followUp!);
  return reply!.type === 'text' ? reply!.text : '已记录。';
}

export const voiceCommand: CommandSpec = {
  id: 'voice',
  names: ['语音', 'voice'],
  usage: '/语音 确认 | /语音 修改 | /语音 取消',
  summary: '确认、修改或取消最近一条等待确认的语音跟进',
  examples: ['/语音 确认', '/语音 修改'],
  async run(env, line) {
    const word = line.args[0] ?? '';
    const asked = ['确认', '记录', 'ok', 'confirm'].includes(word) ? 'record' : ['修改', 'edit'].includes(word) ? 'edit' : ['取消', 'cancel'].includes(word) ? 'cancel' : undefined;
    if (!asked) throw new UsageError('请写「确认」「修改」或「取消」，例如：/语音 确认');
    const r = await decideVoiceDraft(env.ctx, 'latest', asked === 'record' ? 'record' : 'cancel');
    return [text(voiceDecisionReply(env, r, asked))];
  },
};
