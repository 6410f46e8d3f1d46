// The dashboard's page: an HTML shell, and its script bundled from src/web/page/app.ts by esbuild on first use (kept
// in memory; nothing built is committed, and `npm install && npm start` needs no extra step). ECharts is imported
// piecewise (the funnel chart and the canvas renderer on the first screen); the team and performance screens are
// loaded on demand (dynamic import, esbuild's code splitting), so the first screen's JS stays small (figures in the
// README, `npm run bench -- page`). Files: app.js (the entry) and the chunks it imports, all under /app/assets/.
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
.chart{height:260px}#perf-chart{height:220px}ul{list-style:none;margin:0;padding:0}li{padding:8px 0;border-bottom:1px solid var(--line)}
section>p{margin:6px 0}li:last-child{border:0}a{color:var(--brand);text-decoration:none}.overdue{color:var(--bad)}
nav{display:flex;background:#fff;border-bottom:1px solid var(--line);position:sticky;top:0;z-index:1}
nav a{flex:1;text-align:center;padding:10px 0;color:var(--muted);font-size:14px;border-bottom:2px solid transparent}
nav a[aria-current=page]{color:var(--brand);border-color:var(--brand)}
.filters{display:flex;gap:8px;margin-bottom:8px}.filters select{flex:1;min-width:0;font-size:13px;padding:4px;border:1px solid var(--line);border-radius:6px;background:#fff}
li p{margin:2px 0}input[type=text]{width:100%;font-size:14px;padding:6px 8px;border:1px solid var(--line);border-radius:6px;margin:6px 0}
.actions{display:flex;gap:8px}.actions button{flex:1;padding:8px;font-size:15px;border-radius:8px;border:1px solid var(--line);background:#fff}
.actions button.primary{background:var(--brand);border-color:var(--brand);color:#fff}.actions button:disabled{opacity:.5}
.result:empty{display:none}.result{color:var(--brand);margin:0 0 8px}
.field{margin:0 0 10px}.field label{display:block;font-size:13px;color:var(--muted);margin-bottom:2px}
.jump{flex-wrap:wrap;margin:8px 0 0}.field .checks{display:flex;flex-wrap:wrap;gap:4px 14px}.field .checks label{display:inline-flex;align-items:center;gap:4px;color:var(--fg);font-size:14px;margin:0}
input:not([type=checkbox]),select,textarea{width:100%;font:inherit;padding:6px 8px;border:1px solid var(--line);border-radius:6px;background:#fff}
button{font:inherit;border:0;border-radius:6px;background:var(--brand);color:#fff;padding:6px 14px}button:disabled{opacity:.5}
button.link{background:none;color:var(--bad);padding:0 4px;font-size:13px}.field-error{color:var(--bad);font-size:13px;margin:2px 0 0}.field-error:empty{display:none}
.stack{display:grid;gap:12px}progress{width:100%;height:14px;accent-color:var(--brand)}.progress{margin-top:10px}ol{margin:0 0 8px;padding-left:20px}ol li{padding:4px 0}
</style></head><body>${body}${script}</body></html>`;

export function pageAssets() {
  let built: Promise<Map<string, string>> | undefined;
  async function build(): Promise<Map<string, string>> {
    const esbuild = await import('esbuild');
    const out = await esbuild.build({
      entryPoints: { app: pageEntry() }, bundle: true, minify: true, format: 'esm', splitting: true, outdir: 'page-out', chunkNames: '[name]-[hash]',
      target: 'es2020', platform: 'browser', write: false, logLevel: 'silent', legalComments: 'none',
    });
    return new Map(out.outputFiles.map((f) => [f.path.slice(f.path.lastIndexOf('/') + 1), f.text]));
  }
  return {
    html: SHELL('ChatCRM 看板', '<div id="app"><main><section class="muted">正在加载…</section></main></div>', '<script type="module" src="/app/assets/app.js"></script>'),
    /** No inline script, no other origin: a value that slipped into the page could not run. */
    csp: "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'",
    /** One built file by name (`app.js`, or a chunk it imports); undefined for a name that was not built. */
    script: async (name = 'app.js') => (await (built ??= build().catch((err: unknown) => {
      built = undefined;
      throw err;
    }))).get(name),
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
