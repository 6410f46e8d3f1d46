// /设置 (settings), admin only: 审批 thresholds, 角色 (role) and 上级 (manager) of a person.
import { formatFen, parseAmountToFen, parsePercent } from '../domain/money.js';
import { ROLE_LABELS, parseRole } from '../domain/roles.js';
import { assertAdmin, getSettings, setManager, setMorningDigest, setRole, setVoiceConfirm, updateSettings } from '../services/settings.js';
import { findOnePerson } from '../services/users.js';
import { disableDigestHere, enableDigestHere, teamsOfChat } from '../services/team-chats.js';
import { tenantSettings } from '../services/tenant-settings.js';
import { type CommandEnv, type CommandSpec, UsageError, text } from './contract.js';

export const settingsCommand: CommandSpec = {
  id: 'settings',
  names: ['设置', 'settings', 'set'],
  usage: '/设置 审批 [5万] [5%] | /设置 审批 转交 上级|接手人 | /设置 提醒 [小时] [升级小时] | /设置 角色 <人> <角色> | /设置 上级 <人> <上级> | /设置 早报 开/关 | /设置 语音确认 开/关 | /设置 战报 本群 [团队名] | /设置 战报 关',
  summary: '管理员：审批阈值、提醒规则、人员角色和上级；经理：群战报；每个人：早报开关',
  examples: ['/设置 战报 本群 华东销售部', '/设置 审批', '/设置 审批 8万 10%', '/设置 审批 转交 接手人', '/设置 角色 王五 财务', '/设置 上级 张三 李经理'],
  async run(env, line) {
    const { ctx } = env;
    const [what, ...args] = line.args;
    if (what === '早报' || what === 'morning') return [text(await setMorningDigest(ctx, args[0]))];
    if (what === '语音确认' || what === 'voice') return [text(await setVoiceConfirm(ctx, args[0]))];
    if (what === '战报' || what === 'digest') return [text(await digestSetting(env, args))];
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
      const user = await findOnePerson(ctx.db, ctx.actor.tenantId, name);
      await setRole(ctx, user, role);
      return [text(`已把 ${user.name} 的角色设为「${ROLE_LABELS[role]}」。`)];
    }
    if (what === '上级' || what === 'manager') {
      const [name, managerName] = args;
      if (!name || !managerName) throw new UsageError('请写上人名和上级（无上级写「无」）。');
      const user = await findOnePerson(ctx.db, ctx.actor.tenantId, name);
      const manager = ['无', 'none', '-'].includes(managerName) ? null : await findOnePerson(ctx.db, ctx.actor.tenantId, managerName);
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
    throw new UsageError('请选择要设置的项目：审批、提醒、角色、上级、早报、语音确认 或 战报。');
  },
};

const WEEKDAYS = ['', '周一', '周二', '周三', '周四', '周五', '周六', '周日'];

/** `/设置 战报 本群 [团队名]` | `/设置 战报 关` | `/设置 战报` (what this group receives). */
async function digestSetting(env: CommandEnv, args: string[]): Promise<string> {
  const { ctx, platform, chat } = env;
  const [mode, ...rest] = args;
  if (mode === '关' || mode === 'off' || mode === '关闭') {
    const was = await disableDigestHere(ctx, platform, chat);
    if (was.length === 0) return '本群没有开启战报，无需关闭。';
    return `已关闭本群战报：「${was.map((t) => t.name).join('」「')}」的战报不再发到本群。需要时发送 /设置 战报 本群 ${was[0]!.name}`;
  }
  if (mode === '本群' || mode === 'here') {
    const r = await enableDigestHere(ctx, platform, chat, rest.join(' '));
    const s = await tenantSettings(ctx.db, ctx.actor.tenantId);
    const quiet = s.quietHours.enabled ? s.quietHours.days : [];
    const days = quiet.length === 0 ? '每天' : `每天（${quiet.map((d) => WEEKDAYS[d]).join('、')}除外）`;
    const when = `${days} ${String(s.digest.hour).padStart(2, '0')}:00 左右`;
    return [
      `已开启本群战报：「${r.team.name}」团队${r.teamCreated ? '（新建）' : ''}。`,
      `成员（${r.members.length} 人）：${r.members.join('、') || '暂无'}`,
      `${when}发到本群：各阶段商机、自上次战报以来的动态、待跟进和待审批。`,
      ...(s.digest.enabled ? [] : ['注意：公司的战报目前是关闭的，请管理员在管理后台开启（digest.enabled）。']),
      '成员是你和你的下属中还没有团队的人；调整成员请用 /设置 上级 或管理员 API。关闭：/设置 战报 关',
    ].join('\n');
  }
  if (mode === undefined && chat.kind === 'group') {
    const bound = await teamsOfChat(ctx.db, ctx.actor.tenantId, platform, chat.id);
    if (bound.length > 0) return `本群收到「${bound.map((t) => t.name).join('」「')}」的战报。关闭：/设置 战报 关`;
  }
  throw new UsageError('请写「本群」或「关」，例如在团队群里发送：/设置 战报 本群 华东销售部');
}
