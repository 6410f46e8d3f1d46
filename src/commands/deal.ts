// /新商机 (deal), /推进 (stage), /输单 (lost): open deals and move them through the pipeline.
import { formatFen, parseAmountToFen } from '../domain/money.js';
import { PIPELINE, parseStage } from '../domain/stages.js';
import { customerShortId } from '../services/customers.js';
import { advanceStage, closeLost, dealShortId, openDeal } from '../services/deals.js';
import { pipelineRules } from '../services/tenant-settings.js';
import { type CommandSpec, UsageError, text } from './registry.js';
import { resolveCustomer, resolveDeal } from './resolve.js';

export const dealCommand: CommandSpec = {
  id: 'deal',
  names: ['新商机', 'deal', '商机'],
  usage: '/新商机 <客户> <标题> [金额]',
  summary: '在客户下新建商机（从「线索」阶段开始）',
  examples: ['/新商机 华东五金 不锈钢球阀 5万', '/deal C-3 "pump retrofit" 120000'],
  async run(env, line) {
    const [ref, ...rest] = line.args;
    if (!ref || rest.length === 0) throw new UsageError('请写上客户和商机标题。');
    let amountFen: number | undefined;
    const last = rest[rest.length - 1]!;
    const amount = parseAmountToFen(last);
    if (rest.length > 1 && amount.ok) {
      amountFen = amount.fen;
      rest.pop();
    } else if (rest.length === 1 && amount.ok) {
      throw new UsageError('请在金额前写上商机标题。');
    }
    const customer = await resolveCustomer(env, ref, (id) => `/新商机 ${id} ${line.args.slice(1).join(' ')}`);
    const deal = await openDeal(env.ctx, customer, { title: rest.join(' '), ...(amountFen !== undefined ? { amountFen } : {}) });
    return [
      text(
        `已创建商机 ${dealShortId(deal)}「${deal.title}」· 客户 ${customerShortId(customer)} ${customer.name}` +
          (deal.amountFen ? ` · 金额 ${formatFen(deal.amountFen)}` : '') +
          `\n阶段：线索。记录跟进：/跟进 ${dealShortId(deal)} <内容> 下一步:<…>`,
      ),
    ];
  },
};

export const stageCommand: CommandSpec = {
  id: 'stage',
  names: ['推进', 'stage', 'advance'],
  usage: '/推进 <商机> <阶段>   阶段：线索 初访 方案 报价 签约',
  summary: '推进商机阶段（会检查每个阶段的完成条件）',
  examples: ['/推进 D-17 方案', '/stage D-17 proposal'],
  async run(env, line) {
    const [ref, stageText] = line.args;
    if (!ref || !stageText) throw new UsageError('请写上商机和目标阶段。');
    // The tenant may have renamed stages: accept its labels as well as the default ones and English keys.
    const { labels: configured } = await pipelineRules(env.ctx.db, env.ctx.actor.tenantId);
    const to = parseStage(stageText, configured);
    if (!to) throw new UsageError(`不认识阶段「${stageText}」。可选：${PIPELINE.map((s) => configured[s]).join('、')}（${configured.lost}请用 /输单）。`);
    const deal = await resolveDeal(env, ref, (id) => `/推进 ${id} ${stageText}`);
    const { deal: updated, from, labels } = await advanceStage(env.ctx, deal, to);
    const won = to === 'won' ? `\n🎉 恭喜${labels.won}！客户已转为正式客户。` : '';
    return [text(`${dealShortId(updated)}「${updated.title}」：${labels[from]} → ${labels[to]}${won}`)];
  },
};

export const lostCommand: CommandSpec = {
  id: 'lost',
  names: ['输单', 'lost', '丢单'],
  usage: '/输单 <商机> <原因>',
  summary: '把商机标记为输单（必须写原因）',
  examples: ['/输单 D-17 价格高于竞品 15%'],
  async run(env, line) {
    const [ref, ...reasonParts] = line.args;
    if (!ref) throw new UsageError('请写上商机。');
    if (reasonParts.length === 0) throw new UsageError('输单必须写原因，方便复盘。');
    const deal = await resolveDeal(env, ref, (id) => `/输单 ${id} ${reasonParts.join(' ')}`);
    const updated = await closeLost(env.ctx, deal, reasonParts.join(' '));
    return [text(`${dealShortId(updated)}「${updated.title}」已标记为输单。原因：${updated.lostReason}`)];
  },
};
