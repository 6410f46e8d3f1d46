// /设置 (settings), admin only: 审批 thresholds, 角色 (role) and 上级 (manager) of a person.
import { DomainError } from '../domain/errors.js';
import { formatFen, parseAmountToFen, parsePercent } from '../domain/money.js';
import { ROLE_LABELS, parseRole } from '../domain/roles.js';
import type { Ctx } from '../services/context.js';
import { assertAdmin, getSettings, setManager, setMorningDigest, setRole, updateSettings } from '../services/settings.js';
import { findUsersByName, type User } from '../services/users.js';
import { type CommandSpec, UsageError, text } from './registry.js';

async function onePerson(ctx: Ctx, name: string): Promise<User> {
  const found = await findUsersByName(ctx.db, ctx.actor.tenantId, name);
  if (found.length === 1) return found[0]!;
  if (found.length === 0) throw new DomainError('NOT_FOUND', `没有找到「${name}」。对方需要先给机器人发过一条消息。`);
  throw new DomainError('AMBIGUOUS', `「${name}」匹配到多人：${found.map((u) => u.name).join('、')}，请写全名。`);
}

export const settingsCommand: CommandSpec = {
  id: 'settings',
  names: ['设置', 'settings', 'set'],
  usage: '/设置 审批 [5万] [5%] | /设置 审批 转交 上级|接手人 | /设置 提醒 [小时] [升级小时] | /设置 角色 <人> <角色> | /设置 上级 <人> <上级> | /设置 早报 开/关',
  summary: '管理员：审批阈值、提醒规则、人员角色和上级；每个人：早报开关',
  examples: ['/设置 审批', '/设置 审批 8万 10%', '/设置 角色 王五 财务', '/设置 上级 张三 李经理'],
  async run(env, line) {
    const { ctx } = env;
    const [what, ...args] = line.args;
    if (what === '早报' || what === 'morning') return [text(await setMorningDigest(ctx, args[0]))];
    assertAdmin(ctx);
    if (what === '审批' || what === 'approval') {
      if (args[0] === '转交' || args[0] === 'handover') {
        const to = args[1] === '接手人' || args[1] === 'receiver' ? 'receiver' : args[1] === '上级' || args[1] === 'manager' ? 'manager' : undefined;
        if (!to) throw new UsageError('离职或停用的审批人手上的待审批步骤转给谁？请写「上级」或「接手人」，例如：/设置 审批 转交 接手人');
        await updateSettings(ctx, { approval: { strandedStepsTo: to } });
      } else if (args.length > 0) {
        const patch: { financeTechMinFen?: number; directorDiscountBp?: number } = {};
        for (const a of args) {
          const pct = /[%％折]$/.test(a) ? parsePercent(a) : { ok: false as const };
          const amt = parseAmountToFen(a);
          if (pct.ok) patch.directorDiscountBp = pct.basisPoints;
          else if (amt.ok) patch.financeTechMinFen = amt.fen;
          else throw new UsageError(`看不懂「${a}」：金额写成 5万，折扣写成 5%。`);
        }
        await updateSettings(ctx, { approval: patch });
      }
      const rules = (await getSettings(ctx)).approval;
      return [text(`审批规则：\n· 金额 > ${formatFen(rules.financeTechMinFen)} → 财务 + 技术 并行审批\n· 折扣 > ${rules.directorDiscountBp / 100}% → 销售总监\n· 其他 → 直属上级\n· 审批人停用或离职交接时，其待审批步骤转给：${rules.strandedStepsTo === 'receiver' ? '交接的接手人（无交接时为其上级）' : '其上级'}\n修改：/设置 审批 8万 10% 或 /设置 审批 转交 上级|接手人`)];
    }
    if (what === '角色' || what === 'role') {
      const [name, roleText] = args;
      if (!name || !roleText) throw new UsageError('请写上人名和角色。');
      const role = parseRole(roleText);
      if (!role) throw new UsageError(`角色只能是：销售、经理、总监、财务、技术、管理员（收到「${roleText}」）。`);
      const user = await onePerson(ctx, name);
      await setRole(ctx, user, role);
      return [text(`已把 ${user.name} 的角色设为「${ROLE_LABELS[role]}」。`)];
    }
    if (what === '上级' || what === 'manager') {
      const [name, managerName] = args;
      if (!name || !managerName) throw new UsageError('请写上人名和上级（无上级写「无」）。');
      const user = await onePerson(ctx, name);
      const manager = ['无', 'none', '-'].includes(managerName) ? null : await onePerson(ctx, managerName);
      await setManager(ctx, user, manager);
      return [text(manager ? `已把 ${user.name} 的上级设为 ${manager.name}。` : `已清除 ${user.name} 的上级。`)];
    }
    if (what === '提醒' || what === 'nudges') {
      if (args.length > 0) {
        const [silence, escalate] = args.map((a) => Number.parseFloat(a));
        if (!silence || silence <= 0 || (args[1] && (!escalate || escalate <= 0))) throw new UsageError('请写小时数，例如：/设置 提醒 48 24');
        await updateSettings(ctx, { nudges: { silenceHours: silence, ...(escalate ? { escalateAfterHours: escalate } : {}) } });
      }
      const n = (await getSettings(ctx)).nudges;
      const q = (await getSettings(ctx)).quietHours;
      return [text(`提醒规则：\n· 到了约定的下次联系时间仍未跟进，或没有约定且 ${n.silenceHours} 小时没有跟进 → 提醒负责人（工作时间内）\n· 提醒后 ${n.escalateAfterHours} 小时仍未跟进 → 通知上级\n· 新线索 ${n.newLeadHours} 小时未联系 → 通知上级\n· 同一阶段超过 ${n.stagnantDays} 天 → 负责人和上级（总监每天一条汇总）\n· 报价批准后 ${n.silentQuoteDays} 天未跟进 → 负责人和上级（总监每天一条汇总）\n· 免打扰：${q.enabled ? `${q.start}:00–${q.end}:00 及周末` : '关闭'}\n修改：/设置 提醒 48 24`)];
    }
    throw new UsageError('请选择要设置的项目：审批、提醒、角色、上级 或 早报。');
  },
};
