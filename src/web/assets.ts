// The dashboard's page: an HTML shell, and its script bundled from src/web/page/app.ts by esbuild on first use (kept
// in memory; nothing built is committed, and `npm install && npm start` needs no extra step). ECharts is imported
// piecewise (the funnel chart and the canvas renderer), so the whole script is about 120 KB gzipped (measured: 350 KB minified, 119 KB gzipped).
import { findUpwards } from '../config/project-files.js';

/** src/web/page/app.ts, found upwards from this module (from source, or from the bundle `npm start` runs). */
const pageEntry = () => findUpwards(import.meta.url, 'src/web/page/app.ts', '看板页面 src/web/page/app.ts');

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const SHELL = (title: string, body: string, script = '', head = '') => `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">${head}
<title>${escapeHtml(title)}</title>
<style>
:root{--fg:#1f2329;--muted:#646a73;--line:#e5e6eb;--brand:#1456f0;--bad:#d83931;--bg:#f5f6f7}
*{box-sizing:border-box}body{margin:0;font:15px/1.5 -apple-system,BlinkMacSystemFont,"PingFang SC","Noto Sans SC","Microsoft YaHei",sans-serif;color:var(--fg);background:var(--bg)}
header{background:#fff;padding:12px 16px;border-bottom:1px solid var(--line);display:flex;justify-content:space-between;align-items:center}
h1{font-size:17px;margin:0}h2{font-size:15px;margin:0 0 8px}
main{padding:12px;display:grid;gap:12px;max-width:720px;margin:0 auto}
section{background:#fff;border-radius:10px;padding:12px 14px}
.muted{color:var(--muted);font-size:13px}.tabs{display:flex;gap:8px;margin-bottom:8px}
.tabs button{border:1px solid var(--line);background:#fff;border-radius:14px;padding:3px 12px;font-size:13px}
.tabs button[aria-pressed=true]{border-color:var(--brand);color:var(--brand)}
table{width:100%;border-collapse:collapse;font-size:13px}td,th{padding:6px 4px;border-bottom:1px solid var(--line);text-align:left}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
#funnel-chart{height:260px}ul{list-style:none;margin:0;padding:0}li{padding:8px 0;border-bottom:1px solid var(--line)}
li:last-child{border:0}a{color:var(--brand);text-decoration:none}.overdue{color:var(--bad)}
.field{margin:0 0 10px}.field label{display:block;font-size:13px;color:var(--muted);margin-bottom:2px}
input:not([type=checkbox]),select{width:100%;font:inherit;padding:6px 8px;border:1px solid var(--line);border-radius:6px;background:#fff}
button{font:inherit;border:0;border-radius:6px;background:var(--brand);color:#fff;padding:6px 14px}button:disabled{opacity:.5}
button.link{background:none;color:var(--bad);padding:0 4px;font-size:13px}.field-error{color:var(--bad);font-size:13px;margin:2px 0 0}.field-error:empty{display:none}
.stack{display:grid;gap:12px}progress{width:100%;height:14px;accent-color:var(--brand)}.progress{margin-top:10px}ol{margin:0 0 8px;padding-left:20px}ol li{padding:4px 0}
</style></head><body>${body}${script}</body></html>`;

export function pageAssets() {
  let built: Promise<string> | undefined;
  async function build(): Promise<string> {
    const esbuild = await import('esbuild');
    const out = await esbuild.build({ entryPoints: [pageEntry()], bundle: true, minify: true, format: 'esm', target: 'es2020', platform: 'browser', write: false, logLevel: 'silent', legalComments: 'none' });
    return out.outputFiles[0]!.text;
  }
  return {
    html: SHELL('ChatCRM 看板', '<div id="app"><main><section class="muted">正在加载…</section></main></div>', '<script type="module" src="/app/assets/app.js"></script>'),
    /** No inline script, no other origin: a value that slipped into the page could not run. */
    csp: "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'",
    script: () => (built ??= build().catch((err: unknown) => {
      built = undefined;
      throw err;
    })),
    message: (title: string, text: string) => SHELL(title, `<main><section><h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p></section></main>`),
    /**
     * A message that moves on to a same-origin `path` by itself (meta refresh, no script) and offers it as a link.
     * Sign-in ends here: after a cross-site redirect chain, the SameSite=Strict session cookie is sent only on a
     * navigation that starts on our own page.
     */
    continueTo: (title: string, text: string, path: string) =>
      SHELL(title, `<main><section><h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p><p><a href="${escapeHtml(path)}" data-testid="continue">打开看板</a></p></section></main>`, '', `\n<meta http-equiv="refresh" content="0;url=${escapeHtml(path)}">`),
    /** For the message pages: nothing runs, nothing loads, nothing is posted. */
    messageCsp: "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'",
  };
}
