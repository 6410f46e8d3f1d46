// A plain sentence (no slash) in a one-to-one chat: logged as a follow-up when it names exactly one of the
// sender's own customers or deals; otherwise the bot answers with a short help.
import type { OutboundMessage } from '../adapter.js';
import { guessFollowUpKind } from '../services/follow-ups.js';
import { recordNamedIn } from '../services/sentence-target.js';
import { logAndReply } from './log.js';
import { type CommandEnv, text } from './contract.js';

const HELP_HINT = '我是 ChatCRM 助手。发送 /帮助 查看命令，例如：/跟进 D-17 今天电话沟通了交期';

export async function plainFollowUp(env: CommandEnv, input: string): Promise<OutboundMessage[]> {
  if (env.chat.kind !== 'direct') return [text(HELP_HINT)];
  const target = await recordNamedIn(env.ctx, input);
  if (!target) {
    return [text(`${HELP_HINT}\n（这句话没有提到你名下的某一个客户或商机，所以没有记为跟进。）`)];
  }
  return logAndReply(env, target, { kind: guessFollowUpKind(input), summary: input });
}
