// The admin's rules screen (#/admin): approval thresholds, reminder timings, the digest and its group chats, and
// the assignment rules. Values are typed as in /设置 (5万, 5%); a refusal from the API appears under its field.
import { api, change, el, fieldError, frame, notice, root, type ApiResult, type Me } from './dom.js';

export interface Rules {
  approval: { financeTechMinFen: number; directorDiscountBp: number; strandedStepsTo: 'manager' | 'receiver' };
  nudges: { silenceHours: number; escalateAfterHours: number };
  digest: { enabled: boolean; hour: number; chats: Array<{ team: string; platform: string; chatId: string }> };
  assignment: { rules: string[]; fallback: string; defaultTeam: string | null };
  teams: string[];
}

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

const value = (f: HTMLFormElement, name: string) => (f.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement).value;

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
  ], (f) => change<Rules>(me, '/app/api/admin/rules/approval', { amount: value(f, 'amount'), discount: value(f, 'discount'), strandedStepsTo: value(f, 'strandedStepsTo') }, 'PUT'), 'approval');

  const n = rules.nudges;
  const nudges = form(me, 'nudges', '提醒规则', [
    field('多少小时没有跟进提醒负责人', input('silenceHours', String(n.silenceHours), { inputmode: 'decimal' }), 'silenceHours'),
    field('提醒后多少小时仍未跟进通知上级', input('escalateAfterHours', String(n.escalateAfterHours), { inputmode: 'decimal' }), 'escalateAfterHours'),
  ], (f) => change<Rules>(me, '/app/api/admin/rules/nudges', { silenceHours: value(f, 'silenceHours'), escalateAfterHours: value(f, 'escalateAfterHours') }, 'PUT'), 'nudges');

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

  frame(me, '#/admin', '管理：公司规则',
    el('section', {}, el('a', { href: '#/admin/import', 'data-testid': 'to-import' }, '导入客户 →')),
    approval, nudges, digest, assignment, fallback,
  );
  if (saved && savedIn) root.querySelector(`[data-testid="status-${savedIn}"]`)!.textContent = saved;
}
