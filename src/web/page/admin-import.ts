// The admin's customer import (#/admin/import): choose a CSV, see the dry run (what would be created, which
// assignment rule places each owner-less lead, the merge list, the problem rows to download), then apply the same
// file; both runs show the job's progress bar until it reaches 100 %.
import { api, el, frame, notice, upload, type Me } from './dom.js';

interface Job {
  id: string;
  status: 'running' | 'done' | 'failed' | 'interrupted';
  apply: boolean;
  progress: { phase: string; rowsRead: number; rowsWritten: number; percent: number };
  message?: string;
  problemRows?: number;
  problemsCsv?: string;
  result?: {
    kind: string;
    counts: { total: number; create: number; existing: number; duplicates: number; similar: number; bad: number };
    firstCode?: string;
    lastCode?: string;
    problems: { count: number; first: Array<{ line: number; kind: string; reason: string }> };
    pool: { count: number; byRule: Array<{ rule: string; count: number }>; first: Array<{ line: number; name: string; ownerName: string; rule: string }> };
    merge: {
      existing: Array<{ line: number; name: string; code: string; existingName: string; ownerName: string }>;
      similar: Array<{ line: number; name: string; code: string; existingName: string; ownerName: string; createdCode?: string }>;
    };
  };
}

const PHASES: Record<string, string> = { scan: '检查文件格式', check: '检查中', apply: '写入中' };
const POLL_MS = 300;

export function showImport(me: Me) {
  if (me.role !== 'admin') return notice('只有管理员可以导入客户。请联系你们公司的 ChatCRM 管理员。');
  const file = el('input', { type: 'file', accept: '.csv,text/csv', id: 'f-file', 'data-testid': 'input-file' });
  const error = el('p', { class: 'field-error', 'data-testid': 'error-file', 'aria-live': 'polite' });
  const check = el('button', { type: 'button', 'data-testid': 'dry-run' }, '试运行（不写入）');
  const bar = el('progress', { max: '100', value: '0', 'data-testid': 'progress' });
  const barText = el('span', { class: 'muted', 'data-testid': 'progress-text' }, '');
  const progress = el('div', { class: 'progress', hidden: '' }, bar, barText);
  const out = el('div', { class: 'stack', 'data-testid': 'import-result' });

  async function run(apply: boolean) {
    const chosen = file.files?.[0];
    error.textContent = '';
    if (!chosen) {
      error.textContent = '请先选择一个 CSV 文件。';
      return;
    }
    check.disabled = true;
    out.replaceChildren();
    progress.hidden = false;
    setBar(0, '正在上传…');
    const started = await upload<Job>(me, `/app/api/admin/imports?apply=${apply}`, chosen);
    if (!started.ok) {
      check.disabled = false;
      progress.hidden = true;
      error.textContent = started.message;
      return;
    }
    let job = started.body;
    while (job.status === 'running') {
      setBar(job.progress.percent, `${PHASES[job.progress.phase] ?? ''}：已读 ${job.progress.rowsRead} 行${apply ? `，已写入 ${job.progress.rowsWritten} 行` : ''}`);
      await new Promise((r) => setTimeout(r, POLL_MS));
      const next = await api<Job>(`/app/api/admin/imports/${job.id}`);
      if (!next.ok) {
        error.textContent = next.message;
        check.disabled = false;
        return;
      }
      job = next.body;
    }
    check.disabled = false;
    if (job.status === 'failed' || job.status === 'interrupted') {
      setBar(job.progress.percent, '未完成');
      error.textContent = job.message ?? '导入失败。';
      return;
    }
    setBar(job.progress.percent, apply ? '导入完成' : '试运行完成');
    out.replaceChildren(...summary(job, () => void run(true)));
  }

  function setBar(percent: number, label: string) {
    bar.value = percent;
    bar.setAttribute('aria-valuenow', String(percent));
    barText.textContent = `${percent}% ${label}`;
  }

  check.addEventListener('click', () => void run(false));
  frame(me, '#/admin/import', '管理：导入客户',
    el('section', {}, el('a', { href: '#/admin' }, '← 公司规则')),
    el(
      'section',
      {},
      el('h2', {}, '选择文件'),
      el('p', { class: 'muted' }, 'CSV 文件（UTF-8 或 GBK，Excel 另存为 CSV 即可），第一行是表头：公司名、电话、地区、行业、产品、负责人……负责人为空的行按分配规则分配。先试运行，核对后再确认导入。'),
      el('div', { class: 'field' }, el('label', { for: 'f-file' }, '客户文件'), file, error),
      check,
      progress,
    ),
    out,
  );
}

/** A titled list of the first rows; `total` counts them all (the rest are in the problems file, `where`). */
function list(title: string, testId: string, items: string[], total: number, where = '，见问题行文件') {
  const ul = el('ul', { 'data-testid': testId }, ...items.map((t) => el('li', {}, t)));
  if (total > items.length) ul.append(el('li', { class: 'muted' }, `……还有 ${total - items.length} 行${where}`));
  return el('section', {}, el('h2', {}, title), ul);
}

function summary(job: Job, apply: () => void): HTMLElement[] {
  const r = job.result;
  if (!r || r.kind !== 'customers') return [el('section', {}, '导入完成。')];
  const c = r.counts;
  const head = el('section', { 'data-testid': 'summary' },
    el('h2', {}, job.apply ? '导入完成' : '试运行结果（没有写入）'),
    el('p', {}, `数据行 ${c.total}：${job.apply ? '已新建' : '将新建'} ${c.create}，已存在 ${c.existing}，文件内重复 ${c.duplicates}，可能重复 ${c.similar}，需修改 ${c.bad}`),
    ...(job.apply && r.firstCode ? [el('p', { 'data-testid': 'codes' }, `新客户编号：${r.firstCode === r.lastCode ? r.firstCode : `${r.firstCode} … ${r.lastCode}`}`)] : []),
  );
  const parts: HTMLElement[] = [head];
  if (r.pool.count > 0) {
    parts.push(list(`负责人为空的行${job.apply ? '分配结果' : '将按分配规则'}（${r.pool.count} 行）`, 'pool', [
      ...r.pool.byRule.map((b) => `${b.rule}：${b.count} 行`),
      ...r.pool.first.map((p) => `第 ${p.line} 行「${p.name}」→ ${p.ownerName}（${p.rule}）`),
    ], r.pool.byRule.length + r.pool.count, ''));
  }
  const merge = [
    ...r.merge.existing.map((e) => `第 ${e.line} 行「${e.name}」= 已有客户 ${e.code}「${e.existingName}」（负责人：${e.ownerName}），不重复创建`),
    ...r.merge.similar.map((x) => `第 ${x.line} 行「${x.name}」≈ 已有客户 ${x.code}「${x.existingName}」（负责人：${x.ownerName}），${x.createdCode ? `已新建 ${x.createdCode}` : '会新建'}；确是同一家的，用 /合并 合并`),
  ];
  if (merge.length > 0) parts.push(list('合并清单（与已有客户相同或相似）', 'merge-list', merge, c.existing + c.similar));
  if (r.problems.count > 0) {
    const s = list(`问题行（${r.problems.count} 行）`, 'problems', r.problems.first.map((p) => `第 ${p.line} 行 · ${p.kind}：${p.reason}`), r.problems.count);
    if (job.problemsCsv) s.append(el('p', {}, el('a', { href: job.problemsCsv, download: '问题行.csv', 'data-testid': 'problems-csv' }, '下载问题行（CSV，改好后可重新导入）')));
    parts.push(s);
  }
  if (!job.apply && c.create > 0) {
    const go = el('button', { type: 'button', 'data-testid': 'apply' }, `确认导入（新建 ${c.create} 个客户）`);
    go.addEventListener('click', () => {
      go.disabled = true;
      apply();
    });
    parts.push(el('section', {}, go));
  }
  return parts;
}
