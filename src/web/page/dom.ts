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
