// A numbered choice waiting for the user's answer ("2" after "which did you mean?"): one per user, replaced by the
// next, gone after 30 minutes or once answered.
import { and, eq, gt, sql } from 'drizzle-orm';
import { pendingChoices } from '../db/schema/index.js';
import type { Ctx } from './context.js';

/** A pending choice expires after this long. */
const CHOICE_TTL_MS = 30 * 60_000;

export interface ChoiceOption {
  label: string;
  /** The full command to run when this option is chosen. */
  command: string;
}

/** Keeps the first nine options as the user's pending choice and returns them. */
export async function storeChoice(ctx: Ctx, options: ChoiceOption[]): Promise<ChoiceOption[]> {
  const shown = options.slice(0, 9);
  await ctx.db
    .insert(pendingChoices)
    .values({ userId: ctx.actor.userId, options: shown, expiresAt: new Date(ctx.now.getTime() + CHOICE_TTL_MS) })
    .onConflictDoUpdate({
      target: pendingChoices.userId,
      set: { options: sql`excluded.options`, expiresAt: sql`excluded.expires_at` },
    });
  return shown;
}

/** The command of option `n` (1-based) of the user's live pending choice, which is used up either way. */
export async function takeChoice(ctx: Ctx, n: number): Promise<string | undefined> {
  const [row] = await ctx.db
    .delete(pendingChoices)
    .where(and(eq(pendingChoices.userId, ctx.actor.userId), gt(pendingChoices.expiresAt, ctx.now)))
    .returning();
  const options = (row?.options ?? []) as ChoiceOption[];
  return options[n - 1]?.command;
}
