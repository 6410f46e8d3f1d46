// Maintaining records from chat: /修改 (edit) a customer's or deal's fields, /标签 (tag), /联系人 (contact).
import { looksLikePhone } from '../domain/names.js';
import { amountProblemText, formatFen, parseAmountToFen } from '../domain/money.js';
import { parseShortId } from '../services/counters.js';
import { type CustomerChange, FIELD_LABELS, changeTags, removeContact, saveContact, updateCustomer } from '../services/customer-edits.js';
import { customerShortId } from '../services/customers.js';
import { dealShortId, setExpectedClose, updateDeal } from '../services/deals.js';
import { formatDay, isBeforeToday, parseDueDate } from '../domain/dates.js';
import { type CommandEnv, type CommandSpec, UsageError, text } from './contract.js';
import { resolveCustomer, resolveDeal } from './resolve.js';

type CustomerField = keyof CustomerChange;
type DealField = 'title' | 'amount' | 'expectedClose';

const CUSTOMER_FIELDS: Record<string, CustomerField> = {
  名称: 'name', 公司名: 'name', 名字: 'name', name: 'name',
  电话: 'phone', 手机: 'phone', phone: 'phone',
  地区: 'region', region: 'region',
  行业: 'industry', industry: 'industry',
  等级: 'grade', grade: 'grade',
  来源: 'sourceChannel', source: 'sourceChannel',
};
const DEAL_FIELDS: Record<string, DealField> = {
  标题: 'title', title: 'title', 金额: 'amount', amount: 'amount',
  预计成交: 'expectedClose', 预计成交日期: 'expectedClose', 成交日期: 'expectedClose', close: 'expectedClose',
};
const DEAL_FIELD_LABELS: Record<DealField, string> = { title: '标题', amount: '金额', expectedClose: '预计成交日期' };
/** Labelled options (parse.ts) that are customer fields: `/修改 C-1 电话:… 地区:…`. */
const OPTION_FIELDS: Record<string, CustomerField> = { phone: 'phone', region: 'region', industry: 'industry', grade: 'grade', source: 'sourceChannel' };
/** Typing one of these as the value clears an optional field. */
const CLEAR = new Set(['清空', '无', '-', 'none', 'clear']);
const GRADES = new Set(['A', 'B', 'C']);

const isDealRef = (ref: string) => parseShortId(ref, 'deal') !== undefined;
const isCustomerRef = (ref: string) => parseShortId(ref, 'customer') !== undefined;

export const editCommand: CommandSpec = {
  id: 'edit',
  names: ['修改', 'edit'],
  usage: '/修改 <客户> <名称|电话|地区|行业|等级|来源> <新值>   /修改 <商机> <标题|金额|预计成交> <新值>',
  summary: '修改客户或商机的资料（改名会重新查重；写「清空」可清除电话、地区等）',
  examples: ['/修改 C-1 等级 A', '/修改 C-1 电话:13912345678 地区:宁波', '/修改 D-1 金额 12万', '/修改 D-1 预计成交 12-20', '/edit D-1 title "pump retrofit phase 2"'],
  async run(env, line) {
    const [ref, ...afterRef] = line.args;
    if (!ref) throw new UsageError('请写上客户或商机，以及要改的字段和新值。');
    // `标题:` and `金额:` are labelled options of the parser (parse.ts): `/修改 D-1 金额：12万`.
    const labelledDeal = (['title', 'amount'] as const).find((k) => line.options[k] !== undefined);
    if (labelledDeal && afterRef.length === 0) {
      if (isCustomerRef(ref)) throw new UsageError(`「${labelledDeal === 'title' ? '标题' : '金额'}」是商机的字段，请写商机编号。`);
      return editDeal(env, ref, labelledDeal, line.options[labelledDeal]!, line.rest.slice(line.rest.indexOf(ref) + ref.length).trim());
    }
    const [fieldText, ...valueParts] = splitLabelled(afterRef);
    const key = fieldText?.normalize('NFKC').toLowerCase() ?? '';
    const dealField = DEAL_FIELDS[key];
    if (dealField) {
      if (isCustomerRef(ref)) throw new UsageError(`「${fieldText}」是商机的字段，请写商机编号，例如 /修改 D-1 ${fieldText} <新值>。`);
      return editDeal(env, ref, dealField, valueParts.join(' '), line.args.slice(1).join(' '));
    }
    const change = customerChange(fieldText, CUSTOMER_FIELDS[key], valueParts, line.options);
    if (isDealRef(ref)) throw new UsageError(`商机只能改标题、金额和预计成交；客户资料请用客户编号，例如 /修改 C-1 ${fieldText ?? '等级'} <新值>。`);
    // The rest of the line as typed (labelled options included), for the command a numbered choice reruns.
    const tail = line.rest.includes(ref) ? line.rest.slice(line.rest.indexOf(ref) + ref.length).trim() : afterRef.join(' ');
    const beforeFound = await resolveCustomer(env, ref, (id) => `/修改 ${id} ${tail}`);
    if ('choice' in beforeFound) return beforeFound.choice;
    const before = beforeFound.found;
    const { customer: after, changed } = await updateCustomer(env.ctx, before, change);
    const id = customerShortId(after);
    if (changed.length === 0) return [text(`${id} ${after.name} 没有变化（${describeChange(change)}）。`)];
    const lines = changed.map((f) => `${FIELD_LABELS[f]}：${before[f] ?? '（空）'} → ${after[f] ?? '（空）'}`);
    return [text(`已修改 ${id} ${after.name}：\n${lines.join('\n')}`)];
  },
};

/** `名称:新名` / `金额：12万` typed as one token reads like `名称 新名`. */
function splitLabelled(tokens: string[]): string[] {
  const m = tokens[0] ? /^([^:：]+)[:：](.*)$/.exec(tokens[0]) : null;
  const key = m?.[1]!.normalize('NFKC').toLowerCase() ?? '';
  if (!m || !(key in CUSTOMER_FIELDS || key in DEAL_FIELDS)) return tokens;
  return [m[1]!, ...(m[2] ? [m[2]] : []), ...tokens.slice(1)];
}

function customerChange(fieldText: string | undefined, field: CustomerField | undefined, valueParts: string[], options: Record<string, string>): CustomerChange {
  const change: CustomerChange = {};
  const set = (f: CustomerField, raw: string) => {
    const value = raw.trim();
    if (!value) throw new UsageError(`请写上新的${FIELD_LABELS[f]}。`);
    if (CLEAR.has(value.toLowerCase())) {
      if (f === 'name') throw new UsageError('公司名不能清空。');
      change[f] = null;
      return;
    }
    if (f === 'grade') {
      const g = value.normalize('NFKC').toUpperCase();
      if (!GRADES.has(g)) throw new UsageError(`客户等级只能是 A、B 或 C（收到「${value}」）。`);
      change.grade = g as 'A' | 'B' | 'C';
    } else change[f] = value;
  };
  for (const [opt, f] of Object.entries(OPTION_FIELDS)) if (options[opt] !== undefined) set(f, options[opt]);
  if (fieldText !== undefined) {
    if (!field) {
      throw new UsageError(`不能修改「${fieldText}」。客户可改：名称、电话、地区、行业、等级、来源；商机可改：标题、金额、预计成交（阶段请用 /推进）。`);
    }
    set(field, valueParts.join(' '));
  }
  if (Object.keys(change).length === 0) throw new UsageError('请写上要改的字段和新值。');
  return change;
}

function describeChange(change: CustomerChange): string {
  return (Object.keys(change) as CustomerField[]).map((f) => `${FIELD_LABELS[f]}已经是 ${change[f] ?? '空'}`).join('，');
}

async function editDeal(env: CommandEnv, ref: string, field: DealField, value: string, afterRef: string) {
  if (!value.trim()) throw new UsageError(`请写上新的${DEAL_FIELD_LABELS[field]}。`);
  if (field === 'expectedClose') return editExpectedClose(env, ref, value.trim(), afterRef);
  let change: { title?: string; amountFen?: number };
  if (field === 'amount') {
    const amount = parseAmountToFen(value);
    if (!amount.ok) throw new UsageError(amountProblemText('商机金额', value, amount.problem));
    change = { amountFen: amount.fen };
  } else change = { title: value };
  const dealFound = await resolveDeal(env, ref, (id) => `/修改 ${id} ${afterRef}`);
  if ('choice' in dealFound) return dealFound.choice;
  const deal = dealFound.found;
  const updated = await updateDeal(env.ctx, deal, change);
  const id = dealShortId(updated);
  if (updated === deal) return [text(`${id}「${deal.title}」没有变化。`)];
  const line =
    field === 'amount'
      ? `金额：${deal.amountFen === null ? '（空）' : formatFen(deal.amountFen)} → ${formatFen(updated.amountFen!)}`
      : `标题：${deal.title} → ${updated.title}`;
  return [text(`已修改 ${id}「${updated.title}」：\n${line}`)];
}

async function editExpectedClose(env: CommandEnv, ref: string, value: string, afterRef: string) {
  const { now, timeZone } = env.ctx;
  const d = parseDueDate(value, now, timeZone);
  if (!d.ok) throw new UsageError(`看不懂日期「${value}」。可以写：12-20、2027-03-31、下周五。`);
  if (isBeforeToday(d.date, now, timeZone)) throw new UsageError(`「${value}」已经过去了，预计成交日期要写今天或以后。`);
  const day = formatDay(d.date, timeZone);
  const dealFound = await resolveDeal(env, ref, (id) => `/修改 ${id} ${afterRef}`);
  if ('choice' in dealFound) return dealFound.choice;
  const deal = dealFound.found;
  const updated = await setExpectedClose(env.ctx, deal, day);
  const id = dealShortId(updated);
  if (updated === deal) return [text(`${id}「${deal.title}」的预计成交日期已经是 ${day}。`)];
  return [text(`已修改 ${id}「${updated.title}」：\n预计成交：${deal.expectedCloseOn ?? '（按阶段典型周期估算）'} → ${day}`)];
}

export const tagCommand: CommandSpec = {
  id: 'tag',
  names: ['标签', 'tag', 'tags'],
  usage: '/标签 <客户> +标签 -标签 …',
  summary: '给客户加（+）或去掉（-）标签；只写客户则查看标签',
  examples: ['/标签 C-1 +外资 -潜在', '/tag C-1 +export'],
  async run(env, line) {
    const [ref, ...tokens] = line.args;
    if (!ref) throw new UsageError('请写上客户和标签。');
    const add: string[] = [];
    const remove: string[] = [];
    for (const token of tokens) {
      const t = token.normalize('NFKC');
      if (t.startsWith('-')) remove.push(t.slice(1));
      else add.push(t.startsWith('+') ? t.slice(1) : t);
    }
    const customerFound = await resolveCustomer(env, ref, (id) => `/标签 ${id} ${tokens.join(' ')}`);
    if ('choice' in customerFound) return customerFound.choice;
    const customer = customerFound.found;
    const id = customerShortId(customer);
    if (add.length === 0 && remove.length === 0) {
      return [text(`${id} ${customer.name} 的标签：${customer.tags.join('、') || '（无）'}\n添加或删除：/标签 ${id} +标签 -标签`)];
    }
    const r = await changeTags(env.ctx, customer, add, remove);
    const parts = [r.added.length > 0 && `添加 ${r.added.join('、')}`, r.removed.length > 0 && `删除 ${r.removed.join('、')}`].filter(Boolean);
    const lines = [parts.length > 0 ? `已更新 ${id} ${r.customer.name} 的标签：${parts.join('，')}。` : `${id} ${r.customer.name} 的标签没有变化。`];
    if (r.missing.length > 0) lines.push(`没有这些标签：${r.missing.join('、')}`);
    lines.push(`现在的标签：${r.customer.tags.join('、') || '（无）'}`);
    return [text(lines.join('\n'))];
  },
};

export const contactCommand: CommandSpec = {
  id: 'contact',
  names: ['联系人', 'contact'],
  usage: '/联系人 <客户> <姓名> [职务/角色] [电话]   删除：/联系人 <客户> -<姓名>',
  summary: '给客户添加联系人（可多个；同名则更新职务和电话；姓名前加 - 删除）',
  examples: ['/联系人 C-1 王经理 采购 13912345678', '/contact C-3 "Li Wei" buyer 021-62345678', '/联系人 C-1 -王经理'],
  async run(env, line) {
    const [ref, name, ...rest] = line.args;
    if (!ref || !name) throw new UsageError('请写上客户和联系人姓名。');
    const removing = /^[-－]\s*(\S[\s\S]*)$/.exec(name);
    if (removing) {
      const customerFound = await resolveCustomer(env, ref, (id) => `/联系人 ${id} ${line.args.slice(1).join(' ')}`);
      if ('choice' in customerFound) return customerFound.choice;
      const customer = customerFound.found;
      const removed = await removeContact(env.ctx, customer, removing[1]!);
      return [text(`已删除联系人 ${removed.name} ← ${customerShortId(customer)} ${customer.name}`)];
    }
    if (looksLikePhone(name)) throw new UsageError('请先写联系人姓名，再写电话。');
    let phone = line.options.phone;
    const roleWords: string[] = [];
    for (const token of rest) {
      if (!phone && looksLikePhone(token)) phone = token;
      else if (/^[+\d\-() ]{5,}$/.test(token.normalize('NFKC'))) throw new UsageError(`电话「${token}」看起来不像手机或座机号码。`);
      else roleWords.push(token);
    }
    const customerFound = await resolveCustomer(env, ref, (id) => `/联系人 ${id} ${line.args.slice(1).join(' ')}`);
    if ('choice' in customerFound) return customerFound.choice;
    const customer = customerFound.found;
    const role = roleWords.join(' ');
    const { contact, created } = await saveContact(env.ctx, customer, { name, ...(role ? { role } : {}), ...(phone ? { phone } : {}) });
    const details = [contact.decisionRole, contact.phone].filter(Boolean).join('，');
    return [
      text(`${created ? '已添加' : '已更新'}联系人 ${contact.name}${details ? `（${details}）` : ''} → ${customerShortId(customer)} ${customer.name}`),
    ];
  },
};
