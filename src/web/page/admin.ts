// The admin's rules screen (#/admin), in sections: approval thresholds and reminders, follow-up reminders,
// collection, working and quiet hours, the lead pool (公海), after the win, the PDF quote, voice notes, the digest and
// its group chats, and the assignment rules. Values are typed as in /设置 (5万, 5%, 30); a refusal from the API appears under its field.
import { api, change, el, fieldError, frame, notice, root, type ApiResult, type Me } from './dom.js';

export interface Rules {
  approval: { financeTechMinFen: number; directorDiscountBp: number; strandedStepsTo: 'manager' | 'receiver'; reminderWorkingHours: number };
  nudges: { silenceHours: number; escalateAfterHours: number; newLeadHours: number; stagnantDays: number; silentQuoteDays: number };
  alerts: Record<'stagnant' | 'silentQuote', Recipients>;
  collection: { escalateAfterDays: number };
  hours: { working: { start: number; end: number; days: number[] }; quiet: { enabled: boolean; start: number; end: number; days: number[] } };
  pool: { claimsPerDay: number; maxOpenLeads: number; recycleDays: number; recycleWarnDays: number; reclaimBlockDays: number; goldenMinutes: number };
  afterWin: { visitDays: number; winBackDays: number };
  quoteDocument: { header: string; lines: string[]; terms: string; validityDays: number };
  voice: { confirm: boolean };
  digest: { enabled: boolean; hour: number; chats: Array<{ team: string; platform: string; chatId: string }> };
  assignment: { rules: string[]; fallback: string; defaultTeam: string | null };
  teams: string[];
}

interface Recipients { owner: boolean; manager: boolean; directorSummary: boolean }
const RECIPIENTS: Array<[keyof Recipients, string]> = [['owner', '负责人'], ['manager', '其上级'], ['directorSummary', '总监（每天一条汇总）']];

const PLATFORM_LABELS: Record<string, string> = { wecom: '企业微信', dingtalk: '钉钉', feishu: '飞书', console: '控制台' };

function input(name: string, value: string, attrs: Record<string, string> = {}) {
  return el('input', { name, id: `f-${name}`, 'data-testid': `input-${name}`, value, autocomplete: 'off', ...attrs });
}
function field(label: string, control: HTMLElement, name: string, hint?: string) {
  return el('div', { class: 'field' }, el('label', { for: `f-${name}` }, label), control, ...(hint ? [el('p', { class: 'muted' }, hint)] : []), fieldError(name));
}
function select(name: string, options: Array<[string, string]>, current: string) {
  const s = el('select', { name, id: `f-${name}`, 'data-testid': `input-${name}` });
  for (const [value, label] of options) {
    const o = el('option', { value }, label);
    if (value === current) o.selected = true;
    s.append(o);
  }
  return s;
}

const WEEKDAYS = ['周一', '周二', '周三', '周四', '周五', '周六', '周日'];
const HOURS = Array.from({ length: 24 }, (_, h): [string, string] => [String(h), `${h}:00`]);

/** A number typed as in /设置 (the server reads it). */
const num = (name: string, v: number, mode = 'numeric') => input(name, String(v), { inputmode: mode });

/** Seven checkboxes, one per ISO weekday (1 = 周一). */
function weekdays(name: string, checked: number[]) {
  const box = el('div', { class: 'checks', id: `f-${name}`, role: 'group', 'data-testid': `input-${name}` });
  WEEKDAYS.forEach((label, i) => {
    const c = el('input', { type: 'checkbox', name, value: String(i + 1) });
    c.checked = checked.includes(i + 1);
    box.append(el('label', {}, c, label));
  });
  return box;
}
/** Who hears a watcher rule: three checkboxes named `<name>-owner` … */
function recipientBoxes(name: string, r: Recipients) {
  const box = el('div', { class: 'checks', id: `f-${name}`, role: 'group', 'data-testid': `input-${name}` });
  for (const [key, label] of RECIPIENTS) {
    const c = el('input', { type: 'checkbox', name: `${name}-${key}` });
    c.checked = r[key];
    box.append(el('label', {}, c, label));
  }
  return box;
}
const recipientsOf = (f: HTMLFormElement, name: string) =>
  Object.fromEntries(RECIPIENTS.map(([key]) => [key, (f.elements.namedItem(`${name}-${key}`) as HTMLInputElement).checked])) as unknown as Recipients;
const checkedDays = (f: HTMLFormElement, name: string) => [...f.querySelectorAll<HTMLInputElement>(`input[name="${name}"]:checked`)].map((c) => Number(c.value));
function textarea(name: string, value: string, rows = 4) {
  return el('textarea', { name, id: `f-${name}`, 'data-testid': `input-${name}`, rows: String(rows) }, value);
}
function checkbox(name: string, checked: boolean) {
  const c = el('input', { type: 'checkbox', name, id: `f-${name}`, 'data-testid': `input-${name}` });
  c.checked = checked;
  return c;
}

/** A form whose submit calls `send` and redraws the screen with the saved rules, or shows the refusal under its field. */
function form(me: Me, testId: string, title: string, fields: HTMLElement[], send: (f: HTMLFormElement) => Promise<ApiResult<Rules>>, section: string, submit = '保存') {
  const status = el('p', { class: 'muted', 'data-testid': `status-${testId}`, 'aria-live': 'polite' });
  const f = el('form', { 'data-testid': `form-${testId}`, novalidate: '' }, ...fields, fieldError(section), el('button', { type: 'submit' }, submit), status);
  f.addEventListener('submit', (e) => {
    e.preventDefault();
    for (const p of f.querySelectorAll('.field-error')) p.textContent = '';
    status.textContent = '正在保存…';
    void send(f).then((r) => {
      if (r.ok) return draw(me, r.body, submit === '保存' ? `${title}已保存。` : '已添加。', testId);
      status.textContent = '';
      const target = f.querySelector<HTMLElement>(`[data-testid="error-${r.field ?? section}"]`) ?? f.querySelector<HTMLElement>(`[data-testid="error-${section}"]`)!;
      target.textContent = r.message;
    });
  });
  return el('section', {}, el('h2', {}, title), f);
}

const value = (f: HTMLFormElement, name: string) => (f.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement).value;

export async function showAdmin(me: Me) {
  if (me.role !== 'admin') return notice('只有管理员可以修改设置。请联系你们公司的 ChatCRM 管理员。');
  const r = await api<Rules>('/app/api/admin/rules');
  if (!r.ok) return notice(r.message);
  draw(me, r.body);
}

function draw(me: Me, rules: Rules, saved?: string, savedIn?: string) {
  const a = rules.approval;
  const approval = form(me, 'approval', '审批规则', [
    field('金额超过多少需要财务 + 技术并行审批', input('amount', String(a.financeTechMinFen / 100)), 'amount', '写成 50000 或 5万'),
    field('折扣超过多少需要销售总监审批', input('discount', `${a.directorDiscountBp / 100}%`), 'discount', '写成 5% 或 95折'),
    field('审批人停用或离职时，待审批步骤转给', select('strandedStepsTo', [['manager', '其上级'], ['receiver', '交接的接手人（无交接时为其上级）']], a.strandedStepsTo), 'strandedStepsTo'),
    field('待审批超过多少个工作小时提醒审批人（一次）', num('reminderWorkingHours', a.reminderWorkingHours, 'decimal'), 'reminderWorkingHours'),
  ], (f) => change<Rules>(me, '/app/api/admin/rules/approval', { amount: value(f, 'amount'), discount: value(f, 'discount'), strandedStepsTo: value(f, 'strandedStepsTo'), reminderWorkingHours: value(f, 'reminderWorkingHours') }, 'PUT'), 'approval');

  const n = rules.nudges;
  const nudgeFields = ['silenceHours', 'escalateAfterHours', 'newLeadHours', 'stagnantDays', 'silentQuoteDays'] as const;
  const nudges = form(me, 'nudges', '跟进提醒', [
    field('多少小时没有跟进提醒负责人', num('silenceHours', n.silenceHours, 'decimal'), 'silenceHours', '到了约定的下次联系时间也会提醒；只在工作时间内'),
    field('提醒后多少小时仍未跟进通知上级', num('escalateAfterHours', n.escalateAfterHours, 'decimal'), 'escalateAfterHours'),
    field('新线索多少小时未联系通知上级', num('newLeadHours', n.newLeadHours, 'decimal'), 'newLeadHours'),
    field('商机在同一阶段超过多少天提醒', num('stagnantDays', n.stagnantDays, 'decimal'), 'stagnantDays'),
    field('阶段停滞通知', recipientBoxes('stagnant', rules.alerts.stagnant), 'stagnant'),
    field('报价批准后多少天未跟进提醒', num('silentQuoteDays', n.silentQuoteDays, 'decimal'), 'silentQuoteDays'),
    field('报价沉默通知', recipientBoxes('silentQuote', rules.alerts.silentQuote), 'silentQuote'),
  ], (f) => change<Rules>(me, '/app/api/admin/rules/nudges', {
    ...Object.fromEntries(nudgeFields.map((k) => [k, value(f, k)])),
    alerts: { stagnant: recipientsOf(f, 'stagnant'), silentQuote: recipientsOf(f, 'silentQuote') },
  }, 'PUT'), 'nudges');

  const collection = form(me, 'collection', '回款提醒', [
    el('p', { class: 'muted' }, '某期回款到期仍未回清时提醒负责人和财务。'),
    field('到期多少天后仍未回清通知上级', num('escalateAfterDays', rules.collection.escalateAfterDays), 'escalateAfterDays', '1–365 天'),
  ], (f) => change<Rules>(me, '/app/api/admin/rules/collection', { escalateAfterDays: value(f, 'escalateAfterDays') }, 'PUT'), 'collection');

  const { working: w, quiet: q } = rules.hours;
  const hours = form(me, 'hours', '工作时间与免打扰', [
    el('p', { class: 'muted' }, '提醒在工作时间内到期（黄金响应按工作分钟计）；免打扰时段内不发任何消息，顺延到结束后。'),
    field('上班', select('workStart', HOURS, String(w.start)), 'workStart'),
    field('下班', select('workEnd', HOURS, String(w.end)), 'workEnd'),
    field('工作日', weekdays('workDays', w.days), 'workDays'),
    field('开启免打扰', checkbox('quietEnabled', q.enabled), 'quietEnabled'),
    field('免打扰开始', select('quietStart', HOURS, String(q.start)), 'quietStart'),
    field('免打扰结束', select('quietEnd', HOURS, String(q.end)), 'quietEnd', '可以跨过午夜，如 21:00 到 8:00'),
    field('全天免打扰', weekdays('quietDays', q.days), 'quietDays'),
  ], (f) => change<Rules>(me, '/app/api/admin/rules/hours', {
    workStart: Number(value(f, 'workStart')), workEnd: Number(value(f, 'workEnd')), workDays: checkedDays(f, 'workDays'),
    quietEnabled: (f.elements.namedItem('quietEnabled') as HTMLInputElement).checked,
    quietStart: Number(value(f, 'quietStart')), quietEnd: Number(value(f, 'quietEnd')), quietDays: checkedDays(f, 'quietDays'),
  }, 'PUT'), 'hours');

  const p = rules.pool;
  const poolFields = ['claimsPerDay', 'maxOpenLeads', 'goldenMinutes', 'recycleDays', 'recycleWarnDays', 'reclaimBlockDays'] as const;
  const pool = form(me, 'pool', '公海规则', [
    field('每人每天最多领取几个', num('claimsPerDay', p.claimsPerDay), 'claimsPerDay'),
    field('名下未成交客户达到多少个时不能再领取', num('maxOpenLeads', p.maxOpenLeads), 'maxOpenLeads', '轮流分配也会跳过这个人'),
    field('新分配的线索多少个工作分钟内没有跟进提醒负责人', num('goldenMinutes', p.goldenMinutes), 'goldenMinutes', '黄金响应'),
    field('潜在客户多少天没有跟进收回公海', num('recycleDays', p.recycleDays), 'recycleDays', '0 为不自动回收'),
    field('回收前多少天提醒负责人', num('recycleWarnDays', p.recycleWarnDays), 'recycleWarnDays'),
    field('被回收的人多少天内不能领回', num('reclaimBlockDays', p.reclaimBlockDays), 'reclaimBlockDays'),
  ], (f) => change<Rules>(me, '/app/api/admin/rules/pool', Object.fromEntries(poolFields.map((k) => [k, value(f, k)])), 'PUT'), 'pool');

  const aw = rules.afterWin;
  const afterWin = form(me, 'afterWin', '成交后', [
    field('签约后多少天提醒回访', num('visitDays', aw.visitDays), 'visitDays'),
    field('正式客户多少天没有订单和跟进提醒挽回', num('winBackDays', aw.winBackDays), 'winBackDays', '沉默客户挽回；0 为不提醒'),
  ], (f) => change<Rules>(me, '/app/api/admin/rules/after-win', { visitDays: value(f, 'visitDays'), winBackDays: value(f, 'winBackDays') }, 'PUT'), 'afterWin');

  const qd = rules.quoteDocument;
  const quoteDocument = form(me, 'quoteDocument', '报价单（PDF）', [
    el('p', { class: 'muted' }, '报价批准后自动生成 PDF 报价单发给销售。'),
    field('抬头', input('header', qd.header, { placeholder: '不写则用公司名' }), 'header'),
    field('抬头下的信息（每行一条，最多 6 行）', textarea('lines', qd.lines.join('\n'), 3), 'lines', '地址、电话、开户行……'),
    field('条款（每条一行）', textarea('terms', qd.terms), 'terms'),
    field('报价有效期（天）', num('validityDays', qd.validityDays), 'validityDays', '1–365 天'),
  ], (f) => change<Rules>(me, '/app/api/admin/rules/quote-document', { header: value(f, 'header'), lines: value(f, 'lines'), terms: value(f, 'terms'), validityDays: value(f, 'validityDays') }, 'PUT'), 'quoteDocument');

  const voice = form(me, 'voice', '语音跟进', [
    field('语音转成的跟进先发确认卡片，点「确认」后才记录', checkbox('confirm', rules.voice.confirm), 'confirm', '关闭后直接记录，回复里附上听到的内容（记错了可 /撤销）'),
  ], (f) => change<Rules>(me, '/app/api/admin/rules/voice', { confirm: (f.elements.namedItem('confirm') as HTMLInputElement).checked }, 'PUT'), 'voice');

  const d = rules.digest;
  const enabled = el('input', { type: 'checkbox', name: 'enabled', id: 'f-enabled', 'data-testid': 'input-enabled' });
  enabled.checked = d.enabled;
  const chats = el('ul', { 'data-testid': 'digest-chats' });
  for (const c of d.chats) {
    const off = el('button', { type: 'button', class: 'link' }, '解除');
    off.addEventListener('click', () =>
      void change<Rules>(me, '/app/api/admin/rules/digest/chats', { platform: c.platform, chatId: c.chatId }, 'DELETE').then((r) => {
        if (r.ok) return draw(me, r.body, '已解除，这个群不再收到战报。', 'digest');
        root.querySelector('[data-testid="error-digest"]')!.textContent = r.message;
      }),
    );
    chats.append(el('li', {}, `「${c.team}」→ ${PLATFORM_LABELS[c.platform] ?? c.platform} 群 ${c.chatId} `, off));
  }
  if (d.chats.length === 0) chats.append(el('li', { class: 'muted' }, '还没有群收到战报。'));
  const digest = form(me, 'digest', '每日战报', [
    field('开启战报', enabled, 'enabled'),
    field('几点发送（0–23）', input('hour', String(d.hour), { inputmode: 'numeric' }), 'hour'),
    el('p', { class: 'muted' }, '收到战报的群（在团队群里 @机器人 发送「/设置 战报 本群 团队名」绑定）：'),
    chats,
  ], (f) => change<Rules>(me, '/app/api/admin/rules/digest', { enabled: (f.elements.namedItem('enabled') as HTMLInputElement).checked, hour: Number(value(f, 'hour')) }, 'PUT'), 'digest');

  const list = el('ol', { 'data-testid': 'assignment-rules' });
  rules.assignment.rules.forEach((line, i) => {
    const remove = el('button', { type: 'button', class: 'link' }, '删除');
    remove.addEventListener('click', () =>
      void change<Rules>(me, `/app/api/admin/rules/assignment/${i + 1}`, {}, 'DELETE').then((r) => {
        if (r.ok) return draw(me, r.body, '已删除规则。', 'assignment');
        root.querySelector('[data-testid="error-assignment"]')!.textContent = r.message;
      }),
    );
    list.append(el('li', {}, line.replace(/^\d+\.\s*/, ''), ' ', remove));
  });
  const teams = el('datalist', { id: 'team-names' }, ...rules.teams.map((t) => el('option', { value: t })));
  const assignment = form(me, 'assignment', '线索分配规则', [
    el('p', { class: 'muted' }, '新线索按顺序匹配第一条有人可接的规则；团队内轮流时跳过停用和已达上限的人。'),
    list,
    el('p', { class: 'muted', 'data-testid': 'assignment-fallback' }, rules.assignment.fallback),
    field('按', select('by', [['region', '地区'], ['keyword', '关键词（行业、公司名、产品）']], 'region'), 'by'),
    field('匹配词', input('match', '', { placeholder: '如 浙江 或 阀门' }), 'match'),
    field('分给（团队名或人名）', input('target', '', { list: 'team-names' }), 'target'),
    teams,
  ], (f) => change<Rules>(me, '/app/api/admin/rules/assignment', { by: value(f, 'by'), match: value(f, 'match'), target: value(f, 'target') }), 'assignment', '添加规则');

  const fallback = form(me, 'default', '没有规则匹配时', [
    field('在这个团队内轮流分配', select('team', [['', '不分配（留在公海）'], ...rules.teams.map((t): [string, string] => [t, t])], rules.assignment.defaultTeam ?? ''), 'defaultTeam'),
  ], (f) => change<Rules>(me, '/app/api/admin/rules/assignment/default', { team: value(f, 'team') || null }, 'PUT'), 'defaultTeam');

  const sections = [approval, nudges, collection, hours, pool, afterWin, quoteDocument, voice, digest, assignment, fallback];
  // A long screen on a phone: a row of the sections' titles that scrolls to each (the hash is the screen's route).
  const jump = el('div', { class: 'tabs jump', 'data-testid': 'admin-sections' });
  for (const s of sections) {
    const b = el('button', { type: 'button' }, s.querySelector('h2')!.textContent!);
    b.addEventListener('click', () => s.scrollIntoView({ block: 'start' }));
    jump.append(b);
  }
  frame(me, '#/admin', '管理：公司规则', el('section', {}, el('a', { href: '#/admin/import', 'data-testid': 'to-import' }, '导入客户 →'), jump), ...sections);
  if (saved && savedIn) root.querySelector(`[data-testid="status-${savedIn}"]`)!.textContent = saved;
}
