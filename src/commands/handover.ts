// /交接 (handover): a manager hands a leaver's customers to a receiver; /接收交接 (accept): the receiver takes them.
import { confirmHandover, findHandover, handoverNo, pendingForReceiver, startHandover, type ConfirmResult } from '../services/handover.js';
import { findOnePerson } from '../services/users.js';
import { type CommandSpec, UsageError, text } from './contract.js';

export function confirmReply(r: ConfirmResult): string {
  return (
    `已接收 ${r.fromName} 的离职交接 ${handoverNo(r.handover)}：${r.customerCount} 个客户、${r.dealCount} 个商机（其中 ${r.openDealCount} 个进行中）已转到你名下。\n` +
    `历史跟进记录仍署名 ${r.fromName}，可在客户和商机里查看。发送 /待办 看看接下来要跟进的事项。`
  );
}

export const handoverCommand: CommandSpec = {
  id: 'handover',
  names: ['交接', 'handover'],
  usage: '/交接 <离职人> <接手人>',
  summary: '经理/总监/管理员：离职交接，把离职人的客户和商机交给接手人，并停用离职人账号',
  examples: ['/交接 张三 李四'],
  async run(env, line) {
    const { ctx } = env;
    const [fromName, toName, ...extra] = line.args;
    if (!fromName || !toName) throw new UsageError('请写上离职人和接手人。');
    if (extra.length > 0) throw new UsageError('只需要写离职人和接手人两个名字（名字里有空格请加引号）。');
    const leaver = await findOnePerson(ctx.db, ctx.actor.tenantId, fromName, '离职人');
    const receiver = await findOnePerson(ctx.db, ctx.actor.tenantId, toName, '接手人');
    const r = await startHandover(ctx, leaver, receiver);
    const no = handoverNo(r.handover);
    return [
      text(
        `已发起离职交接 ${no}：${leaver.name} → ${receiver.name}\n` +
          `· 客户 ${r.customerCount} 个、进行中商机 ${r.openDealCount} 个已放入交接池，等待 ${receiver.name} 接收\n` +
          `· ${leaver.name} 的账号已停用，不能再操作\n` +
          `· 已给 ${receiver.name} 发送交接卡片（也可发送 /接收交接 ${no}）\n` +
          `${receiver.name} 接收前，每天会提醒你一次；超过 30 天未接收会标记为逾期。`,
      ),
    ];
  },
};

export const acceptHandoverCommand: CommandSpec = {
  id: 'accept-handover',
  names: ['接收交接', 'accept-handover', 'accepthandover'],
  usage: '/接收交接 [交接编号]',
  summary: '接手人：接收离职交接，客户和商机转到你名下',
  examples: ['/接收交接 H-1A2B3C4D', '/接收交接'],
  async run(env, line) {
    const { ctx } = env;
    const [ref] = line.args;
    let id: string;
    if (ref) id = (await findHandover(ctx, ref)).id;
    else {
      const mine = await pendingForReceiver(ctx);
      if (mine.length === 0) return [text('你没有待接收的离职交接。')];
      if (mine.length > 1) {
        throw new UsageError(`你有 ${mine.length} 个待接收的交接：${mine.map(handoverNo).join('、')}，请写上编号。`);
      }
      id = mine[0]!.id;
    }
    return [text(confirmReply(await confirmHandover(ctx, id)))];
  },
};
