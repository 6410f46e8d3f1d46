// /看板 (dashboard): a sign-in link to the web dashboard for the asking user, valid once for 10 minutes.
import { createDashboardLink, LINK_TTL_MS } from '../services/web-sessions.js';
import { type CommandSpec, UsageError, text } from './contract.js';

export const dashboardCommand: CommandSpec = {
  id: 'dashboard',
  names: ['看板', 'dashboard', '驾驶舱'],
  usage: '/看板',
  summary: '打开网页看板（漏斗、团队跟进、业绩、审批；管理员还能改规则、导入客户）：回复一个只给你本人、10 分钟内有效、只能用一次的登录链接',
  examples: ['/看板'],
  async run(env, line) {
    if (line.args.length > 0) throw new UsageError('/看板 不需要参数。');
    if (env.chat.kind === 'group') return [text('看板链接只能私聊发给你本人：请在和我的单聊里发送 /看板。')];
    const token = await createDashboardLink(env.ctx);
    const url = `${env.publicUrl ?? ''}/app/login?t=${token}`;
    return [text(`你的看板登录链接（${LINK_TTL_MS / 60_000} 分钟内有效，只能打开一次，请勿转发）：\n${url}`)];
  },
};
