// Runs one chat text: a command, a number answering a pending choice, or a plain sentence read as a follow-up.
// Every failure a user can cause becomes a polite reply here; only unexpected errors propagate.
import type { OutboundMessage } from '../adapter.js';
import { isDomainError } from '../domain/errors.js';
import { messageTooLong } from '../domain/text-gate.js';
import { usageText } from './help.js';
import { parseLine } from './parse.js';
import { type CommandEnv, type CommandSpec, UsageError, text } from './contract.js';
import { takeChoice } from './choices.js';
import { plainFollowUp } from './plain.js';
import { commandNamed } from './registry.js';

export async function runChatText(env: CommandEnv, input: string): Promise<OutboundMessage[]> {
  const trimmed = input.trim();
  if (!trimmed) return [];
  const tooLong = messageTooLong(trimmed);
  if (tooLong) return [text(tooLong)];
  const line = parseLine(trimmed);
  if (!line) {
    const choice = await takeChoice(env, trimmed);
    if (choice) return runChatText(env, choice);
    return withReplies(() => plainFollowUp(env, trimmed), undefined);
  }
  const spec = commandNamed(line.name);
  if (!spec) {
    return [text(`没有「/${line.name}」这个命令。发送 /帮助 查看所有命令。`)];
  }
  return withReplies(() => spec.run(env, line), spec);
}

async function withReplies(run: () => Promise<OutboundMessage[]>, spec: CommandSpec | undefined) {
  try {
    return await run();
  } catch (err) {
    if (err instanceof UsageError) return [text(`${err.reason}\n${spec ? usageText(spec) : ''}`.trim())];
    if (isDomainError(err)) return [text(err.userMessage)];
    throw err;
  }
}

export { UsageError };
