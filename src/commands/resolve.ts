// Turning a typed reference (C-12, D-17, a fuzzy name) into exactly one record, or a numbered choice.
import { DomainError } from '../domain/errors.js';
import { buildChoiceCard } from '../../cards/choice-card.js';
import { type Customer, customerShortId, findCustomers } from '../services/customers.js';
import { type Deal, dealShortId, findDeals } from '../services/deals.js';
import { getCustomer } from '../services/customers.js';
import { type ChoiceOption, storeChoice } from '../services/choices.js';
import { type CommandEnv, card } from './contract.js';
import type { OutboundMessage } from '../adapter.js';

export type { ChoiceOption };

/**
 * A typed reference resolved to exactly one record, or the numbered choice to answer with instead (several
 * matched; the options are saved so the user can reply with a number). Not found is a DomainError.
 */
export type Resolved<T> = { found: T } | { choice: OutboundMessage[] };

/** Saves the options as the user's pending choice and returns the choice card as the reply. */
export async function offerChoice(env: CommandEnv, question: string, options: ChoiceOption[]): Promise<OutboundMessage[]> {
  const shown = await storeChoice(env.ctx, options);
  return [card(buildChoiceCard({ question, options: shown.map((o) => ({ label: o.label, command: o.command })) }))];
}

/** `commandFor(ref)` rebuilds the user's command with the chosen record's short id in place of the name. */
export async function resolveCustomer(env: CommandEnv, ref: string, commandFor: (id: string) => string): Promise<Resolved<Customer>> {
  return pickCustomer(env, ref, await findCustomers(env.ctx, ref), commandFor);
}

/** Exactly one of the customers `ref` found, or a numbered choice between them. */
async function pickCustomer(env: CommandEnv, ref: string, found: Customer[], commandFor: (id: string) => string): Promise<Resolved<Customer>> {
  if (found.length === 1) return { found: found[0]! };
  if (found.length === 0) {
    throw new DomainError('NOT_FOUND', `没有找到客户「${ref}」（或不在你的名下）。新建请用：/新客户 ${ref}`);
  }
  return {
    choice: await offerChoice(
      env,
      `「${ref}」匹配到 ${found.length} 个客户，请回复序号选择：`,
      found.map((c) => ({ label: `${customerShortId(c)} ${c.name}`, command: commandFor(customerShortId(c)) })),
    ),
  };
}

export async function resolveDeal(
  env: CommandEnv,
  ref: string,
  commandFor: (id: string) => string,
  opts: { forPayments?: boolean } = {},
): Promise<Resolved<Deal & { customerName: string }>> {
  const found = await findDeals(env.ctx, ref, opts);
  if (found.length === 1) return { found: found[0]! };
  if (found.length === 0) throw new DomainError('NOT_FOUND', await noDealMessage(env, ref));
  return {
    choice: await offerChoice(
      env,
      `「${ref}」匹配到 ${found.length} 个商机，请回复序号选择：`,
      found.map((d) => ({ label: `${dealShortId(d)} ${d.customerName} · ${d.title}`, command: commandFor(dealShortId(d)) })),
    ),
  };
}

/**
 * Why no deal matched: a customer's name (findDeals already matches customer names, so that customer has no deal
 * the user can see) gets the right noun and the way on, anything else the plain "not found".
 */
async function noDealMessage(env: CommandEnv, ref: string): Promise<string> {
  const [customer, ...more] = await findCustomers(env.ctx, ref);
  if (!customer) return `没有找到商机「${ref}」（或不在你的名下）。用 /待办 或 /漏斗 查看你的商机。`;
  const id = customerShortId(customer);
  const which = more.length > 0 ? `客户（如 ${id} ${customer.name}）` : `客户 ${id}`;
  return `「${ref}」是${which}，不是商机；它名下还没有你能看到的商机。查看客户：/查看 ${id}；新建商机：/新商机 ${id} <商机名称> [金额]`;
}

/**
 * A reference that may be a deal or a customer (/跟进, /查看): a D- id is a deal, a C- id a customer; a name is
 * tried as a customer first, then as a deal title.
 */
export async function resolveDealOrCustomer(
  env: CommandEnv,
  ref: string,
  commandFor: (id: string) => string,
): Promise<Resolved<{ customer: Customer; deal?: Deal }>> {
  const viaDeal = async () => {
    const r = await resolveDeal(env, ref, commandFor);
    if ('choice' in r) return r;
    return { found: { deal: r.found, customer: (await getCustomer(env.ctx, r.found.customerId))! } };
  };
  if (/^d\s*[-－]?\s*\d+$/i.test(ref.normalize('NFKC'))) return viaDeal();
  const customers = await findCustomers(env.ctx, ref);
  if (customers.length === 0 && !/^c\s*[-－]?\s*\d+$/i.test(ref.normalize('NFKC'))) return viaDeal();
  // The lookup above already ran: pick from its result instead of asking the database the same thing again.
  const r = await pickCustomer(env, ref, customers, commandFor);
  return 'choice' in r ? r : { found: { customer: r.found } };
}
