// /设置 (settings), admin only: 审批 thresholds, 角色 (role) and 上级 (manager) of a person.
import { formatFen } from '../domain/money.js';
import { readApprovalValue, readHours, readQuoteDocument, readWhole, type QuoteDocumentField } from '../domain/settings-input.js';
import { ROLE_LABELS, parseRole } from '../domain/roles.js';
import { assertAdmin, getSettings, setManager, setMorningDigest, setRole, setVoiceConfirm, updateSettings } from '../services/settings.js';
import { findOnePerson } from '../services/users.js';
import { disableDigestHere, enableDigestHere, teamsOfChat } from '../services/team-chats.js';
import { tenantSettings } from '../services/tenant-settings.js';
import { addAssignmentRule, clearAssignmentRules, describeAssignment, removeAssignmentRule, setDefaultTeam } from '../services/assignment-settings.js';
import type { TenantSettings } from '../domain/settings.js';
import { type CommandEnv, type CommandSpec, UsageError, markdown, text } from './contract.js';
import { targetSetting } from './performance.js';

export const settingsCommand: CommandSpec = {
  id: 'settings',
  names: ['设置', 'settings', 'set'],
  usage: '/设置 审批 [5万] [5%] | /设置 报价单 抬头|信息|条款|有效期 <内容> | /设置 审批 转交 上级|接手人 | /设置 提醒 [小时] [升级小时] | /设置 角色 <人> <角色> | /设置 上级 <人> <上级> | /设置 回款 [天数] | /设置 目标 <人或团队> <月份或季度> <金额> | /设置 早报 开/关 | /设置 语音确认 开/关 | /设置 战报 本群 [团队名] | /设置 战报 关 | /设置 分配 [地区|关键词 <词> <团队或人>] [默认 <团队>] [删除 <序号>] [清空] | /设置 公海 [领取 10] [上限 200] [回收 30] [提前 3] [重领 30] [响应 30] | /设置 回访 [天数] [沉默天数]',
  summary: '管理员：审批阈值、报价单抬头与条款、提醒规则、回款升级、人员角色和上级、线索分配规则、公海规则、成交后回访；经理：群战报和业绩目标；每个人：早报和语音确认开关',
  examples: ['/设置 目标 张三 2026-12 50万', '/设置 回款 7', '/设置 战报 本群 华东销售部', '/设置 分配 地区 浙江 华东销售部', '/设置 分配 关键词 阀门 张三', '/设置 公海 领取 5 回收 45', '/设置 审批', '/设置 审批 8万 10%', '/设置 审批 转交 接手人', '/设置 角色 王五 财务', '/设置 上级 张三 李经理'],
  async run(env, line) {
    const { ctx } = env;
    const [what, ...args] = line.args;
    if (what === '早报' || what === 'morning') return [text(await setMorningDigest(ctx, args[0]))];
    if (what === '语音确认' || what === 'voice') return [text(await setVoiceConfirm(ctx, args[0]))];
    if (what === '战报' || what === 'digest') return [text(await digestSetting(env, args))];
    if (what === '目标' || what === 'target') return [markdown(await targetSetting(env, args))];
    assertAdmin(ctx);
    if (what === '报价单' || what === 'quote-pdf') return [text(await quoteDocumentSetting(env, args, line.rest))];
    if (what === '审批' || what === 'approval') {
      if (args[0] === '转交' || args[0] === 'handover') {
        const to = args[1] === '接手人' || args[1] === 'receiver' ? 'receiver' : args[1] === '上级' || args[1] === 'manager' ? 'manager' : undefined;
        if (!to) throw new UsageError('离职或停用的审批人手上的待审批步骤转给谁？请写「上级」或「接手人」，例如：/设置 审批 转交 接手人');
        await updateSettings(ctx, { approval: { strandedStepsTo: to } });
      } else if (args.length > 0) {
        const patch: { financeTechMinFen?: number; directorDiscountBp?: number } = {};
        for (const a of args) {
          const r = readApprovalValue(a);
          if (!r.ok) throw new UsageError(r.message);
          Object.assign(patch, r.value);
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
        const hours = args.slice(0, 2).map(readHours);
        for (const r of hours) if (!r.ok) throw new UsageError(`${r.message}例如：/设置 提醒 48 24`);
        const [silence, escalate] = hours.map((r) => (r.ok ? r.value : 0));
        await updateSettings(ctx, { nudges: { silenceHours: silence!, ...(escalate ? { escalateAfterHours: escalate } : {}) } });
      }
      const { nudges: n, quietHours: q, workingHours: w, alerts } = await getSettings(ctx);
      const days = (list: number[]) => list.map((d) => WEEKDAYS[d]).join('、');
      const who = (r: TenantSettings['alerts']['stagnant']) =>
        [r.owner && '负责人', r.manager && '上级', r.directorSummary && '总监（每天一条汇总）'].filter(Boolean).join('、') || '不通知任何人';
      return [text([
        '提醒规则：',
        `· 到了约定的下次联系时间仍未跟进，或没有约定且 ${n.silenceHours} 小时没有跟进 → 提醒负责人（工作时间内）`,
        `· 提醒后 ${n.escalateAfterHours} 小时仍未跟进 → 通知上级`,
        `· 新线索 ${n.newLeadHours} 小时未联系 → 通知上级`,
        `· 同一阶段超过 ${n.stagnantDays} 天 → ${who(alerts.stagnant)}`,
        `· 报价批准后 ${n.silentQuoteDays} 天未跟进 → ${who(alerts.silentQuote)}`,
        `· 工作时间：${days(w.days)} ${w.start}:00–${w.end}:00`,
        `· 免打扰：${q.enabled ? `${q.start}:00–${q.end}:00${q.days.length > 0 ? `，${days(q.days)}全天` : ''}` : '关闭'}`,
        '修改：/设置 提醒 48 24；其他提醒、工作时间和免打扰在看板的「管理」里修改（/看板）',
      ].join('\n'))];
    }
    if (what === '分配' || what === 'assignment') return [text(await assignmentSetting(env, args))];
    if (what === '公海' || what === 'pool') return [text(await poolSetting(env, args))];
    if (what === '回访' || what === 'aftersales') return [text(await afterWinSetting(env, args))];
    if (what === '回款' || what === 'collection') {
      if (args[0] !== undefined) {
        const days = readWhole('collection', 'escalateAfterDays', args[0]);
        if (!days.ok) throw new UsageError(`${days.message}例如：/设置 回款 7`);
        await updateSettings(ctx, { collection: { escalateAfterDays: days.value } });
      }
      const c = (await getSettings(ctx)).collection;
      return [text(`回款提醒：\n· 某期回款到期仍未回清 → 提醒负责人和财务（工作时间内，避开免打扰）\n· 到期 ${c.escalateAfterDays} 天后仍未回清 → 通知负责人的上级\n修改：/设置 回款 7`)];
    }
    throw new UsageError('请选择要设置的项目：审批、报价单、提醒、回款、目标、角色、上级、早报、语音确认、战报、分配、公海 或 回访。');
  },
};

/** `/设置 分配 …`: add a rule, set the default team, remove or clear rules; always answers with the rules now. */
async function assignmentSetting(env: CommandEnv, args: string[]): Promise<string> {
  const { ctx } = env;
  const [op, ...rest] = args;
  let done = '';
  if (op === '地区' || op === 'region' || op === '关键词' || op === 'keyword' || op === '行业' || op === 'industry') {
    const [match, ...target] = rest;
    if (!match || target.length === 0) throw new UsageError(`请写上匹配词和分给谁，例如：/设置 分配 ${op} ${op === '地区' || op === 'region' ? '浙江 华东销售部' : '阀门 张三'}`);
    const by = op === '地区' || op === 'region' ? 'region' : 'keyword';
    await addAssignmentRule(ctx, by, match, target.join(' '));
    done = '已添加规则。';
  } else if (op === '默认' || op === 'default') {
    const team = rest.join(' ').trim();
    if (!team) throw new UsageError('请写上默认团队名（没有规则匹配时在该团队内轮流分配），或「无」。');
    await setDefaultTeam(ctx, ['无', 'none', '-'].includes(team) ? null : team);
    done = '已设置默认团队。';
  } else if (op === '删除' || op === 'remove' || op === 'delete') {
    await removeAssignmentRule(ctx, Number(rest[0]));
    done = `已删除第 ${rest[0]} 条规则。`;
  } else if (op === '清空' || op === 'clear') {
    await clearAssignmentRules(ctx);
    done = '已清空分配规则。';
  } else if (op !== undefined) {
    throw new UsageError(`看不懂「${op}」。可以写：地区、关键词、默认、删除 或 清空，例如：/设置 分配 地区 浙江 华东销售部`);
  }
  const assignment = (await getSettings(ctx)).assignment;
  const lines = await describeAssignment(ctx.db, ctx.actor.tenantId, assignment);
  return [done, '线索分配规则（新线索按顺序匹配第一条有人可接的规则；团队内轮流时跳过停用和已达上限的人）：', ...lines, '修改：/设置 分配 地区 <地区> <团队或人> | 关键词 <词> <人> | 默认 <团队> | 删除 <序号> | 清空']
    .filter(Boolean)
    .join('\n');
}

const POOL_WORDS: Record<string, keyof TenantSettings['pool']> = {
  领取: 'claimsPerDay', 每日: 'claimsPerDay', claims: 'claimsPerDay',
  上限: 'maxOpenLeads', max: 'maxOpenLeads',
  回收: 'recycleDays', recycle: 'recycleDays',
  提前: 'recycleWarnDays', warn: 'recycleWarnDays',
  重领: 'reclaimBlockDays', reclaim: 'reclaimBlockDays',
  响应: 'goldenMinutes', golden: 'goldenMinutes',
};

/** `/设置 公海 领取 10 上限 200 回收 30 提前 3 重领 30 响应 30` (any subset, in any order). */
async function poolSetting(env: CommandEnv, args: string[]): Promise<string> {
  const { ctx } = env;
  if (args.length > 0) {
    const patch: Partial<TenantSettings['pool']> = {};
    for (let i = 0; i < args.length; i += 2) {
      const key = POOL_WORDS[args[i]!.toLowerCase()];
      if (!key) throw new UsageError(`看不懂「${args[i]}」。可以设置：领取、上限、回收、提前、重领、响应，后面跟数字，例如：/设置 公海 领取 10 回收 30`);
      const n = readWhole('pool', key, args[i + 1] ?? '');
      if (!n.ok) throw new UsageError(`「${args[i]}」后面${n.message}`);
      patch[key] = n.value;
    }
    await updateSettings(ctx, { pool: patch });
  }
  const p = (await getSettings(ctx)).pool;
  return [
    '公海规则：',
    `· 每人每天最多领取 ${p.claimsPerDay} 个；名下未成交客户达到 ${p.maxOpenLeads} 个时不能再领取，轮流分配也会跳过`,
    p.recycleDays > 0
      ? `· ${p.recycleDays} 天没有跟进、也没有进行中商机的潜在客户回收到公海，提前 ${p.recycleWarnDays} 天提醒负责人；被回收的人 ${p.reclaimBlockDays} 天内不能领回`
      : '· 不自动回收',
    `· 新分配的线索 ${p.goldenMinutes} 个工作分钟内没有跟进 → 提醒负责人；超过 ${(await getSettings(ctx)).nudges.newLeadHours} 小时 → 通知上级`,
    '修改：/设置 公海 领取 10 上限 200 回收 30 提前 3 重领 30 响应 30',
  ].join('\n');
}

/** `/设置 回访 [回访天数] [沉默天数]`. */
async function afterWinSetting(env: CommandEnv, args: string[]): Promise<string> {
  const { ctx } = env;
  if (args.length > 0) {
    const example = '例如：/设置 回访 7 90（签约 7 天后回访；正式客户 90 天没有订单和跟进提醒挽回，0 为不提醒）';
    const visit = readWhole('afterWin', 'visitDays', args[0]!);
    if (!visit.ok) throw new UsageError(`回访：${visit.message}${example}`);
    const silent = args[1] !== undefined ? readWhole('afterWin', 'winBackDays', args[1]) : undefined;
    if (silent && !silent.ok) throw new UsageError(`沉默客户挽回：${silent.message}${example}`);
    await updateSettings(ctx, { afterWin: { visitDays: visit.value, ...(silent?.ok ? { winBackDays: silent.value } : {}) } });
  }
  const a = (await getSettings(ctx)).afterWin;
  return [
    '成交后：',
    `· 签约后客户转为正式客户，${a.visitDays} 天后提醒负责人回访`,
    a.winBackDays > 0 ? `· 正式客户 ${a.winBackDays} 天没有新订单也没有跟进 → 提醒负责人挽回（沉默客户）` : '· 不提醒沉默客户挽回',
    '修改：/设置 回访 7 90',
  ].join('\n');
}

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

const QUOTE_FIELDS: Record<string, QuoteDocumentField | undefined> = { 抬头: 'header', header: 'header', 信息: 'lines', lines: 'lines', 条款: 'terms', terms: 'terms', 有效期: 'validityDays', validity: 'validityDays' };

/** /设置 报价单 …: the PDF quote's letterhead (抬头), the lines under it (信息, separated by ｜ or |), terms (条款), validity (有效期). */
async function quoteDocumentSetting(env: CommandEnv, args: string[], rest: string): Promise<string> {
  const { ctx } = env;
  const [field] = args;
  // The value is everything after the field's name, as typed (a letterhead or terms contain spaces).
  const value = field ? rest.trim().replace(/^\S+\s+\S+\s*/, '').trim() : '';
  if (field && !value) throw new UsageError(`请写上「${field}」的内容，例如：/设置 报价单 抬头 宁波精工模具有限公司`);
  const key = field ? QUOTE_FIELDS[field] : undefined;
  if (field && !key) throw new UsageError('报价单可以设置：抬头、信息、条款、有效期。例如：/设置 报价单 抬头 宁波精工模具有限公司');
  if (key) {
    const r = readQuoteDocument(key, value);
    if (!r.ok) throw new UsageError(r.message);
    await updateSettings(ctx, { quoteDocument: { [key]: r.value } });
  }
  const d = (await tenantSettings(ctx.db, ctx.actor.tenantId)).quoteDocument;
  return [
    '报价单设置（报价批准后自动生成 PDF 发给销售）：',
    `· 抬头：${d.header || '（未设置，用公司名）'}`,
    `· 信息：${d.lines.length > 0 ? d.lines.join(' ｜ ') : '（无）'}`,
    `· 有效期：${d.validityDays} 天`,
    `· 条款：${d.terms.replace(/\n/g, ' ')}`,
    '修改：/设置 报价单 抬头 <公司全称>；/设置 报价单 信息 地址：… ｜ 电话：…；/设置 报价单 条款 1. … ｜ 2. …；/设置 报价单 有效期 30天',
  ].join('\n');
}
