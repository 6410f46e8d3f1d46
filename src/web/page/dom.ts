// What every screen of the page uses: building elements (text only ever goes in as text nodes — no HTML is built
// from data), calling the API (with the session's CSRF token on changes), and a notice in place of a screen.
export const root = document.getElementById('app')!;
export const yuan = (fen: number) => `¥${Math.round(fen / 100).toLocaleString('en-US')}`;

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: Array<Node | string>): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) e.append(typeof c === 'string' ? document.createTextNode(c) : c);
  return e;
}

/** A refusal may name the form field it is about (`field`), so the page shows it next to that field. */
export type ApiResult<T> = { ok: true; body: T } | { ok: false; status: number; message: string; field?: string };

export interface Me { name: string; role: 'rep' | 'manager' | 'admin'; roleLabel: string; csrf: string }

async function call<T>(path: string, init: RequestInit): Promise<ApiResult<T>> {
  const res = await fetch(path, { credentials: 'same-origin', ...init, headers: { accept: 'application/json', ...(init.headers as Record<string, string> | undefined) } });
  const body = (await res.json().catch(() => ({}))) as T & { message?: string; field?: string };
  if (res.ok) return { ok: true, body };
  return { ok: false, status: res.status, message: body.message ?? `出错了（${res.status}）`, ...(typeof body.field === 'string' ? { field: body.field } : {}) };
}

export const api = <T>(path: string): Promise<ApiResult<T>> => call<T>(path, {});

/** A state-changing call: JSON body, and the CSRF token the session was given (from /app/api/me). */
export const change = <T>(me: Me, path: string, body: unknown, method: 'POST' | 'PUT' | 'DELETE' = 'POST'): Promise<ApiResult<T>> =>
  call<T>(path, { method, body: JSON.stringify(body ?? {}), headers: { 'content-type': 'application/json', 'x-csrf-token': me.csrf } });

export function notice(text: string) {
  root.replaceChildren(el('main', {}, el('section', { 'data-testid': 'notice' }, text)));
}

/** Uploads a file as the request body (streamed to disk by the server), with the CSRF token. */
export const upload = <T>(me: Me, path: string, file: Blob): Promise<ApiResult<T>> =>
  call<T>(path, { method: 'POST', body: file, headers: { 'content-type': 'text/csv', 'x-csrf-token': me.csrf } });

/** A field's error line, filled by `showErrors` from an API refusal that names the field. */
export const fieldError = (name: string) => el('p', { class: 'field-error', 'data-testid': `error-${name}`, 'aria-live': 'polite' });

/** The screens in the top bar: the hash each one lives at. */
const SCREENS: Array<[string, string]> = [['#/', '首页'], ['#/team', '团队'], ['#/perf', '业绩'], ['#/approvals', '审批']];

/** A screen: the header (title, who is signed in), the screens' bar with the current one marked, and the sections. */
export function frame(me: Me, current: string, title: string, ...sections: HTMLElement[]) {
  const nav = el('nav', { 'aria-label': '页面' });
  for (const [hash, label] of SCREENS) nav.append(el('a', { href: hash, ...(hash === current ? { 'aria-current': 'page' } : {}) }, label));
  // Admins also get the tenant's rules and the import (the API refuses everyone else anyway).
  if (me.role === 'admin') nav.append(el('a', { href: '#/admin', 'data-testid': 'to-admin', ...(current.startsWith('#/admin') ? { 'aria-current': 'page' } : {}) }, '管理'));
  root.replaceChildren(
    el('header', {}, el('h1', {}, title), el('span', { class: 'muted', 'data-testid': 'me' }, `${me.name} · ${me.roleLabel}`)),
    nav,
    el('main', {}, ...sections),
  );
}

/** The screens' shared team/rep filter (kept while moving between screens); the API checks every value. */
export const filter = { team: '', rep: '' };

export const filterQuery = () => [filter.team && `team=${encodeURIComponent(filter.team)}`, filter.rep && `rep=${encodeURIComponent(filter.rep)}`].filter(Boolean).join('&');

interface Choices { reps: Array<{ id: string; name: string; teamId: string | null }>; teams: Array<{ id: string; name: string }> }
let choices: Promise<ApiResult<Choices>> | undefined;

/** The team and rep pickers (only what the user may see; a rep sees only themself, so gets no picker). */
export async function filterBar(onChange: () => void): Promise<HTMLElement> {
  const c = await (choices ??= api<Choices>('/app/api/filters'));
  const bar = el('div', { class: 'filters', 'data-testid': 'filters' });
  if (!c.ok || c.body.reps.length <= 1) return bar;
  const pick = (name: string, label: string, options: Array<{ id: string; name: string }>, value: string, set: (v: string) => void) => {
    const s = el('select', { name, 'aria-label': label }, el('option', { value: '' }, `全部${label}`));
    for (const o of options) s.append(el('option', { value: o.id }, o.name));
    s.value = value;
    s.addEventListener('change', () => {
      set(s.value);
      onChange();
    });
    return s;
  };
  if (c.body.teams.length > 0) bar.append(pick('team', '团队', c.body.teams, filter.team, (v) => { filter.team = v; filter.rep = ''; }));
  const reps = filter.team ? c.body.reps.filter((r) => r.teamId === filter.team) : c.body.reps;
  bar.append(pick('rep', '销售', reps, filter.rep, (v) => { filter.rep = v; }));
  return bar;
}

/** Period tabs (a button per period, the current one pressed). */
export function tabs<P extends string>(periods: ReadonlyArray<readonly [P, string]>, current: P, onPick: (p: P) => void): HTMLElement {
  const t = el('div', { class: 'tabs' });
  for (const [p, label] of periods) {
    const b = el('button', { type: 'button', 'aria-pressed': String(p === current) }, label);
    b.addEventListener('click', () => onPick(p));
    t.append(b);
  }
  return t;
}

/** A list of deals, each a link to its 360° view; `empty` when there is none. */
export function dealList(testId: string, items: Array<{ no: string; title: string; customerName: string; note: string; bad?: boolean }>, empty: string): HTMLElement {
  const ul = el('ul', { 'data-testid': testId });
  for (const d of items) ul.append(el('li', {}, el('a', { href: `#/deal/${d.no}` }, `${d.no} ${d.title}`), ' · ', d.customerName, ' · ', el('span', { class: d.bad ? 'overdue' : 'muted' }, d.note)));
  if (items.length === 0) ul.append(el('li', { class: 'muted' }, empty));
  return ul;
}
