// /新客户 (customer): create a customer, deduplicated by normalised company name and phone.
// Positional words after the name become a field only when they clearly are one; see `splitCustomerArgs`.
import type { OutboundMessage } from '../adapter.js';
import { isKnownIndustry } from '../domain/industries.js';
import { looksLikePhone, maskPhone } from '../domain/names.js';
import { isKnownRegion } from '../domain/regions.js';
import { createCustomer, customerShortId, pickSimilarCustomer, type SimilarCustomer } from '../services/customers.js';
import type { ParsedLine } from './parse.js';
import { type CommandEnv, type CommandSpec, UsageError, text } from './contract.js';
import { offerChoice } from './resolve.js';

const GRADES = new Set(['A', 'B', 'C']);

export const customerCommand: CommandSpec = {
  id: 'customer',
  names: ['新客户', 'customer', '客户'],
  usage: '/新客户 <公司名> [电话] [地区] [行业] [A/B/C]   或用标注：电话: 地区: 行业: 等级: 来源:（phone: region: industry: grade: source:）',
  summary: '新建客户（按公司名、电话自动查重；名称相似的先问是不是同一家）',
  examples: ['/新客户 华东五金 13800138000 上海 五金 A', '/customer Acme Valves Co., Ltd. phone:021-62345678 region:Shanghai'],
  async run(env, line) {
    const { name, phone, region, industry, grade } = splitCustomerArgs(line);
    if (line.options.use) {
      const picked = await pickSimilarCustomer(env.ctx, name, line.options.use);
      if (picked.created || 'similar' in picked) throw new Error('pickSimilarCustomer returns an existing customer');
      const id = customerShortId(picked.customer);
      const mine = picked.customer.ownerId === env.ctx.actor.userId;
      return [
        text(
          `好的，用现有客户 ${id} ${picked.customer.name}（负责人：${mine ? '你' : picked.ownerName}），没有新建。` +
            (mine ? `\n可以直接 /新商机 ${id} <标题> [金额]` : '\n如需协作，请联系负责人或你的经理。'),
        ),
      ];
    }
    const result = await createCustomer(env.ctx, {
      name,
      ...(phone ? { phone } : {}),
      ...(region ? { region } : {}),
      ...(industry ? { industry } : {}),
      ...(grade ? { grade: grade as 'A' | 'B' | 'C' } : {}),
      ...(line.options.source ? { sourceChannel: line.options.source } : {}),
    }, { allowSimilar: line.options.create !== undefined });
    if ('similar' in result) return offerSimilar(env, name, line.name, line.rest, result.similar);
    const id = customerShortId(result.customer);
    if (!result.created) {
      const by = result.matchedBy === 'phone' ? '电话相同' : '公司名相同';
      const owner = result.customer.ownerId === env.ctx.actor.userId ? '你' : result.ownerName;
      return [
        text(
          `客户已存在（${by}）：${id} ${result.customer.name}，负责人：${owner}。没有重复创建。` +
            (owner === '你' ? `\n可以直接 /新商机 ${id} <标题> [金额]` : '\n如需协作，请联系负责人或你的经理。'),
        ),
      ];
    }
    const c = result.customer;
    const details = [c.phone && `电话 ${c.phone}`, c.region && `地区 ${c.region}`, c.industry && `行业 ${c.industry}`, c.grade && `${c.grade} 级`]
      .filter(Boolean)
      .join('，');
    return [text(`已创建客户 ${id} ${c.name}${details ? `（${details}）` : ''}。\n下一步：/新商机 ${id} <标题> [金额]`)];
  },
};

/**
 * 可能是同一家: names and owners only. The rep sees a phone (masked) only for their own customers; anything more
 * about a colleague's customer would leak through this card.
 */
export function offerSimilar(env: CommandEnv, name: string, command: string, rest: string, similar: SimilarCustomer[]): Promise<OutboundMessage[]> {
  const describe = (s: SimilarCustomer) => {
    const mine = s.customer.ownerId === env.ctx.actor.userId;
    const phone = mine && s.customer.phone ? `，电话 ${maskPhone(s.customer.phone)}` : '';
    return `${customerShortId(s.customer)} ${s.customer.name}（负责人 ${mine ? '你' : s.ownerName}${phone}）`;
  };
  const question =
    similar.length === 1
      ? `可能是同一家：${describe(similar[0]!)}`
      : `可能是同一家：\n${similar.map((s) => `- ${describe(s)}`).join('\n')}`;
  return offerChoice(env, `${question}\n还没有新建「${name}」，请回复序号选择：`, [
    ...similar.map((s) => ({
      label: `是同一家：${customerShortId(s.customer)} ${s.customer.name}`,
      command: `/${command} ${rest} 选用:${customerShortId(s.customer)}`,
    })),
    { label: `新建「${name}」`, command: `/${command} ${rest} 新建:是` },
  ]);
}

/**
 * Reads `<name> [phone] [region] [industry] [grade]`. Trailing words are taken from the end while each clearly is
 * a field not seen yet: a phone number, A/B/C, a known region (src/domain/regions.ts), a known industry; the first
 * word that is none of these ends the scan, and it and everything before it is the name, spaces and punctuation
 * kept (`Acme Valves Co., Ltd.`). A bare number in the name that is not a phone (`测试公司 123`) is refused with
 * a question rather than guessed: it is usually a mistyped phone. Labelled fields (`电话:` …) always win.
 */
export function splitCustomerArgs(line: ParsedLine) {
  const tokens = mergePhoneTokens(line.args);
  if (tokens.length === 0) throw new UsageError('请写上公司名。');
  let phone = line.options.phone;
  let grade = line.options.grade?.toUpperCase();
  let region = line.options.region;
  let industry = line.options.industry;
  let end = tokens.length;
  while (end > 1) {
    const t = tokens[end - 1]!;
    if (!phone && looksLikePhone(t)) phone = t;
    else if (!grade && GRADES.has(t.toUpperCase())) grade = t.toUpperCase();
    else if (!region && isKnownRegion(t)) region = t;
    else if (!industry && isKnownIndustry(t)) industry = t;
    else break;
    end--;
  }
  const nameTokens = tokens.slice(0, end);
  const name = nameTokens.join(' ');
  const stray = nameTokens.slice(1).find((t) => /^[+\d\-()]+$/.test(t.normalize('NFKC')) && /\d/.test(t.normalize('NFKC')));
  if (stray) {
    throw new UsageError(
      `「${stray}」不像电话号码（手机 11 位，座机带区号），也不能当地区。` +
        `如果是电话，请写 电话:${stray}；如果它是公司名的一部分，请加引号：/新客户 "${name}"`,
    );
  }
  if (grade !== undefined && !GRADES.has(grade)) throw new UsageError(`客户等级只能是 A、B 或 C（收到「${line.options.grade}」）。`);
  return { name, phone, region, industry, grade: grade as 'A' | 'B' | 'C' | undefined };
}

/** "+86 138 0013 8000" arrives as four tokens; join runs of digit groups that together form a phone number. */
function mergePhoneTokens(tokens: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    let j = i;
    let joined = tokens[i]!.normalize('NFKC');
    while (/^[+\d\-() ]+$/.test(joined) && j + 1 < tokens.length && /^[\d\-()]+$/.test(tokens[j + 1]!.normalize('NFKC'))) {
      const next = `${joined} ${tokens[j + 1]!.normalize('NFKC')}`;
      if (next.replace(/\D/g, '').length > 13) break;
      joined = next;
      j++;
    }
    if (j > i && looksLikePhone(joined)) {
      out.push(joined);
      i = j;
    } else out.push(tokens[i]!);
  }
  return out;
}
