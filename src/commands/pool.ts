// The lead pool from chat: /公海 (list), /领取 (claim), /分配 (assign), /新线索 (a lead the assignment rules place).
import { joinText, md, type Text } from '../../cards/markup.js';
import { createLead } from '../services/assignment.js';
import { customerShortId, pickSimilarCustomer } from '../services/customers.js';
import { type CustomerStatus, POOL_PAGE, assignCustomer, claimCustomer, listCustomers, listPool } from '../services/pool.js';
import { formatDay } from '../domain/dates.js';
import { findOnePerson } from '../services/users.js';
import { type CommandSpec, UsageError, markdown, text } from './contract.js';
import { offerSimilar, splitCustomerArgs } from './customer.js';
import { resolveCustomer } from './resolve.js';

export const poolCommand: CommandSpec = {
  id: 'pool',
  names: ['公海', 'pool'],
  usage: '/公海 [地区|行业|公司名关键词] [来源:…]',
  summary: '公海：没有负责人的客户和线索（名称、地区、行业、来源、在公海天数），可按地区、行业、公司名或来源筛选',
  examples: ['/公海', '/公海 浙江', '/pool 阀门', '/公海 来源:展会'],
  async run(env, line) {
    const filter = line.args.join(' ').trim() || undefined;
    const source = line.options.source?.trim() || undefined;
    const { entries, total, capped } = await listPool(env.ctx, { ...(filter ? { text: filter } : {}), ...(source ? { source } : {}) });
    const scope = [filter && `「${filter}」`, source && `来源「${source}」`].filter(Boolean).join(' ');
    if (entries.length === 0) {
      return [text(scope ? `公海里没有匹配${scope}的客户。看全部：/公海` : '公海里暂时没有客户。新线索：/新线索 <公司名> [电话] [地区] [行业]')];
    }
    const lines: Text[] = [
      md`共 ${capped ? `${total}+` : total} 个${total > entries.length ? `，显示最新 ${entries.length} 个` : ''}：`,
      ...entries.map(({ customer: c, daysInPool }) => {
        const facts = [c.region, c.industry, c.sourceChannel && `来源 ${c.sourceChannel}`].filter(Boolean).join(' · ');
        return md`- ${customerShortId(c)} ${c.name}${facts ? md` · ${facts}` : ''} · 在公海 ${daysInPool} 天`;
      }),
      md`领取：/领取 ${customerShortId(entries[0]!.customer)}${total > POOL_PAGE ? '；缩小范围：/公海 <地区|行业|公司名> 或 来源:…' : ''}`,
    ];
    return [markdown(joinText(lines), `公海${scope}`)];
  },
};

export const claimCommand: CommandSpec = {
  id: 'claim',
  names: ['领取', 'claim'],
  usage: '/领取 <客户编号或名称>',
  summary: '从公海领取一个客户（每天和名下未成交客户数有上限；被回收的客户一段时间内不能领回）',
  examples: ['/领取 C-12', '/claim C-12'],
  async run(env, line) {
    const ref = line.args.join(' ').trim();
    if (!ref) throw new UsageError('请写上要领取的客户编号，例如：/领取 C-12（先用 /公海 查看）。');
    const found = await resolveCustomer(env, ref, (id) => `/领取 ${id}`);
    if ('choice' in found) return found.choice;
    const { customer, claimsLeft } = await claimCustomer(env.ctx, found.found);
    const id = customerShortId(customer);
    return [text(`已领取 ${id} ${customer.name}，现在是你的客户。今天还可以领取 ${claimsLeft} 个。\n尽快联系并记录：/跟进 ${id} <内容>`)];
  },
};

export const assignCommand: CommandSpec = {
  id: 'assign',
  names: ['分配', 'assign'],
  usage: '/分配 <客户编号> <人>',
  summary: '经理把公海客户（或下属的客户）分配给下属；总监和管理员可分配给任何人。对方会立即收到通知',
  examples: ['/分配 C-12 张三', '/assign C-12 张三'],
  async run(env, line) {
    const [ref, ...who] = line.args;
    const name = who.join(' ').trim();
    if (!ref || !name) throw new UsageError('请写上客户编号和接手的人，例如：/分配 C-12 张三');
    const person = await findOnePerson(env.ctx.db, env.ctx.actor.tenantId, name, '接手人');
    const found = await resolveCustomer(env, ref, (id) => `/分配 ${id} ${name}`);
    if ('choice' in found) return found.choice;
    const customer = await assignCustomer(env.ctx, found.found, person);
    const id = customerShortId(customer);
    const toSelf = person.id === env.ctx.actor.userId;
    return [text(`已把 ${id} ${customer.name} 分配给${toSelf ? '你自己' : ` ${person.name}`}${toSelf ? '' : '，已通知对方'}。`)];
  },
};

export const leadCommand: CommandSpec = {
  id: 'lead',
  names: ['新线索', 'lead'],
  usage: '/新线索 <公司名> [电话] [地区] [行业]   或用标注：电话: 地区: 行业: 来源:',
  summary: '登记新线索：按分配规则（地区、关键词、团队轮流）分给负责人并立即通知；没有合适的人就放进公海',
  examples: ['/新线索 宁波汇通阀门 13800138000 浙江 阀门 来源:展会', '/lead Acme Pumps region:上海 source:官网'],
  async run(env, line) {
    const { name, phone, region, industry, grade } = splitCustomerArgs(line);
    if (line.options.use) {
      const picked = await pickSimilarCustomer(env.ctx, name, line.options.use);
      if (picked.created || 'similar' in picked) throw new Error('pickSimilarCustomer returns an existing customer');
      return [text(`好的，用现有客户 ${customerShortId(picked.customer)} ${picked.customer.name}（负责人：${picked.ownerName}），没有新建线索。`)];
    }
    const lead = await createLead(
      env.ctx,
      {
        name,
        ...(phone ? { phone } : {}),
        ...(region ? { region } : {}),
        ...(industry ? { industry } : {}),
        ...(grade ? { grade } : {}),
        ...(line.options.source ? { sourceChannel: line.options.source } : {}),
      },
      { allowSimilar: line.options.create !== undefined },
    );
    const r = lead.result;
    if ('similar' in r) return offerSimilar(env, name, line.name, line.rest, r.similar);
    if (!r.created) {
      const by = r.matchedBy === 'phone' ? '电话相同' : '公司名相同';
      return [text(`客户已存在（${by}）：${customerShortId(r.customer)} ${r.customer.name}，负责人：${r.ownerName}。没有重复登记。`)];
    }
    const c = lead.customer!;
    const id = customerShortId(c);
    const choice = lead.choice!;
    if (choice.ownerId === null) return [text(`已登记线索 ${id} ${c.name}，放入公海：${choice.rule}。\n领取：/领取 ${id}`)];
    const mine = choice.ownerId === env.ctx.actor.userId;
    return [text(`已登记线索 ${id} ${c.name}，负责人：${mine ? '你' : choice.ownerName}。\n分配依据：${choice.rule}${mine ? `\n尽快联系并记录：/跟进 ${id} <内容>` : '，已通知负责人。'}`)];
  },
};

const STATUS_WORDS: Record<string, CustomerStatus> = {
  正式: 'active', 正式客户: 'active', active: 'active', 成交: 'active',
  潜在: 'prospect', 潜在客户: 'prospect', prospect: 'prospect',
  沉默: 'dormant', 沉默客户: 'dormant', dormant: 'dormant',
};
const STATUS_LABELS: Record<CustomerStatus, string> = { prospect: '潜在', active: '正式', dormant: '沉默' };

export const customersCommand: CommandSpec = {
  id: 'customers',
  names: ['客户列表', 'customers'],
  usage: '/客户列表 [正式|潜在|沉默]',
  summary: '我能看到的客户（销售看自己的，经理看下属的），可按状态筛选：正式（已成交）、潜在、沉默',
  examples: ['/客户列表 正式', '/customers dormant'],
  async run(env, line) {
    const word = line.args[0];
    const status = word === undefined ? undefined : STATUS_WORDS[word.toLowerCase()];
    if (word !== undefined && !status) throw new UsageError(`看不懂「${word}」：状态写 正式、潜在 或 沉默。`);
    const { rows, total, capped } = await listCustomers(env.ctx, status);
    const scope = status ? `${STATUS_LABELS[status]}客户` : '客户';
    if (rows.length === 0) return [text(`没有${scope}。`)];
    const lines: Text[] = [
      md`共 ${capped ? `${total}+` : total} 个${total > rows.length ? `，显示最近有动态的 ${rows.length} 个` : ''}：`,
      ...rows.map(({ c, ownerName }) => {
        const last = c.lastActivityAt ? ` · 最近 ${formatDay(c.lastActivityAt, env.ctx.timeZone)}` : '';
        return md`- ${customerShortId(c)} ${c.name}（${STATUS_LABELS[c.status]}）${c.ownerId === env.ctx.actor.userId ? '' : md` · ${ownerName}`}${last}`;
      }),
    ];
    return [markdown(joinText(lines), scope)];
  },
};
