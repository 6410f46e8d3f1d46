// /合并 (merge): a manager folds a duplicate customer into the one to keep and is told what moved.
import { mergeCustomers } from '../services/merge.js';
import { customerShortId } from '../services/customers.js';
import { type CommandSpec, UsageError, text } from './contract.js';

export const mergeCommand: CommandSpec = {
  id: 'merge',
  names: ['合并', 'merge'],
  usage: '/合并 <被合并的客户编号> <保留的客户编号>',
  summary: '把重复的客户合并到保留的客户：商机、报价、跟进、联系人、标签都移过去（经理或管理员）',
  examples: ['/合并 C-5 C-1', '/merge C-12 C-3'],
  async run(env, line) {
    const [from, into] = line.args;
    if (!from || !into || line.args.length > 2) throw new UsageError('请写两个客户编号：先写要合并掉的，再写要保留的。');
    const r = await mergeCustomers(env.ctx, from, into);
    const m = r.moved;
    const moved = [`商机 ${m.deals} 个`, `报价 ${m.quotes} 个`, `跟进 ${m.followUps} 条`, `联系人 ${m.contacts} 个`, `标签 ${m.tags} 个`].join('、');
    const keptId = customerShortId(r.kept);
    return [
      text(
        `已把 ${customerShortId(r.merged)} ${r.merged.name} 合并到 ${keptId} ${r.kept.name}。\n移过去的：${moved}。` +
          (r.filled.length ? `\n${keptId} 原来没有的${r.filled.join('、')}已从 ${customerShortId(r.merged)} 补上。` : '') +
          `\n${customerShortId(r.merged)} 不再出现在查找和列表里；以后提到它会指向 ${keptId}。`,
      ),
    ];
  },
};
