// Answering a numbered choice: "2" after "which did you mean?" runs the stored command for option 2.
import { and, eq, gt } from 'drizzle-orm';
import { pendingChoices } from '../db/schema/index.js';
import type { CommandEnv } from './registry.js';
import type { ChoiceOption } from './resolve.js';

export async function takeChoice(env: CommandEnv, text: string): Promise<string | undefined> {
  const m = /^\s*([1-9])\s*$/.exec(text.normalize('NFKC'));
  if (!m) return undefined;
  const [row] = await env.ctx.db
    .delete(pendingChoices)
    .where(and(eq(pendingChoices.userId, env.ctx.actor.userId), gt(pendingChoices.expiresAt, env.ctx.now)))
    .returning();
  const options = (row?.options ?? []) as ChoiceOption[];
  return options[Number(m[1]) - 1]?.command;
}
