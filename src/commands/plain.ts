// A plain sentence (no slash) in a one-to-one chat: logged as a follow-up when it names exactly one of the
// sender's own customers or deals; otherwise the bot answers with a short help.
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { OutboundMessage } from '../../bots/adapter.js';
import { customers, deals } from '../db/schema/index.js';
import { normaliseCompanyName } from '../domain/names.js';
import { parseShortId } from '../services/counters.js';
import { guessFollowUpKind } from '../services/follow-ups.js';
import { logAndReply } from './log.js';
import { type CommandEnv, text } from './registry.js';

const HELP_HINT = '我是 ChatCRM 助手。发送 /帮助 查看命令，例如：/跟进 D-17 今天电话沟通了交期';

export async function plainFollowUp(env: CommandEnv, input: string): Promise<OutboundMessage[]> {
  if (env.chat.kind !== 'direct') return [text(HELP_HINT)];
  const target = await namedTarget(env, input);
  if (!target) {
    return [text(`${HELP_HINT}\n（这句话没有提到你名下的某一个客户或商机，所以没有记为跟进。）`)];
  }
  return logAndReply(env, target, { kind: guessFollowUpKind(input), summary: input });
}

async function namedTarget(env: CommandEnv, input: string) {
  const { ctx } = env;
  const mine = and(eq(deals.tenantId, ctx.actor.tenantId), eq(deals.ownerId, ctx.actor.userId));
  const ids = [...input.normalize('NFKC').matchAll(/\bD\s*-\s*(\d{1,9})\b/gi)].map((m) => parseShortId(`D-${m[1]}`, 'deal'));
  if (ids.length === 1) {
    const [row] = await ctx.db
      .select({ d: deals, c: customers })
      .from(deals)
      .innerJoin(customers, eq(customers.id, deals.customerId))
      .where(and(mine, eq(deals.shortNo, ids[0]!)));
    return row ? { deal: row.d, customer: row.c } : undefined;
  }
  if (ids.length > 1) return undefined;
  const key = normaliseCompanyName(input);
  if (key.length < 2) return undefined;
  const named = await ctx.db
    .select()
    .from(customers)
    .where(
      and(
        eq(customers.tenantId, ctx.actor.tenantId),
        eq(customers.ownerId, ctx.actor.userId),
        isNull(customers.mergedIntoId),
        sql`length(${customers.normalisedName}) >= 2 and position(${customers.normalisedName} in ${key}) > 0`,
      ),
    )
    .limit(2);
  if (named.length !== 1) return undefined;
  const customer = named[0]!;
  const open = await ctx.db
    .select()
    .from(deals)
    .where(and(eq(deals.customerId, customer.id), isNull(deals.closedAt)))
    .limit(2);
  return open.length === 1 ? { customer, deal: open[0]! } : { customer };
}
