// The dashboard's page load, from outside: the server as its own process (tsx on src/main.ts, as the outside bench
// starts it — not src/start.mjs, whose bundle cache lives in node_modules and is shared by every worktree linked to it
// — on a fresh PGlite data directory), a few deals typed through the signed console route, a /看板 sign-in link
// from the console mailbox, then Chromium at phone size (390 × 844) loads /app N times in fresh browser contexts
// with the session cookie. First meaningful paint = the page's own `fmp` mark (src/web/page/home.ts: set once the
// funnel table and chart are drawn), relative to navigation start; the first screen's JS = every script the page
// fetched before that mark (app.js and the chunks it imports; the team/performance screens load on demand).
// The first load after start builds the bundle (esbuild, once per process) and is reported apart.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { launchChromium } from '../helpers/browser.js';
import { signConsoleRequest } from '../../bots/console/adapter.js';
import { takeMailbox } from '../../bots/console/mailbox.js';
import { readConsoleSecret } from '../../src/server/local-secret.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const PHONE = { width: 390, height: 844 };

export interface PageResult {
  runs: number;
  /** ms from navigation start to the `fmp` mark, warm server, one per run. */
  fmpMs: number[];
  /** The first load after start (includes building the bundle). */
  coldFmpMs: number;
  /** ms from navigation start to the load event, warm. */
  loadMs: number[];
  scripts: Array<{ name: string; bytes: number; gzip: number }>;
}

export const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};

export async function benchPage(o: { runs?: number; port?: number } = {}): Promise<PageResult> {
  const runs = o.runs ?? 20;
  const port = o.port ?? 39_600 + (process.pid % 300);
  const base = `http://127.0.0.1:${port}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'chatcrm-page-'));
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: root,
    env: { ...process.env, DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', CHATCRM_PUBLIC_URL: base },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const browser = await launchChromium();
  try {
    const deadline = Date.now() + 60_000;
    while (!(await fetch(`${base}/readyz`).then((r) => r.ok).catch(() => false))) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error('server did not become ready');
      await new Promise((r) => setTimeout(r, 50));
    }
    const secret = readConsoleSecret(dataDir, { create: false })!;
    let seq = 0;
    const say = async (user: string, text: string, role?: 'manager') => {
      const body = JSON.stringify({ user, text, eventKey: `bench-page-${++seq}`, ...(role ? { role } : {}) });
      const ts = String(Date.now());
      const res = await fetch(`${base}/bots/console/message`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-console-timestamp': ts, 'x-console-signature': signConsoleRequest(secret, ts, body) }, body });
      if (!res.ok) throw new Error(`console route answered ${res.status}`);
    };
    // A manager with two reps and a handful of deals, so the funnel has rows to draw.
    await say('经理', '/帮助', 'manager');
    for (const [i, rep] of ['甲', '乙'].entries()) {
      await say(`${rep}销售`, '/帮助');
      await say('经理', '/帮助');
      for (let k = 0; k < 4; k++) {
        await say(`${rep}销售`, `/新客户 测试客户${i}${k} 139000${i}${k}0000`.slice(0, 40));
        await say(`${rep}销售`, `/新商机 测试客户${i}${k} 设备${k} ${k + 1}万`);
      }
    }
    await say('经理', '/看板');
    let link: string | undefined;
    for (const until = Date.now() + 10_000; !link && Date.now() < until; await new Promise((r) => setTimeout(r, 50))) {
      const text = JSON.stringify(takeMailbox(join(dataDir, 'console'), '经理'));
      link = /\/app\/login\?t=[A-Za-z0-9_-]+/.exec(text)?.[0];
    }
    if (!link) throw new Error('no /看板 link arrived in the console mailbox');
    const login = await fetch(`${base}${link}`, { redirect: 'manual' });
    const cookie = /crm_session=([^;]+)/.exec(login.headers.get('set-cookie') ?? '')?.[1];
    if (!cookie) throw new Error(`sign-in failed (${login.status})`);

    const load = async () => {
      const context = await browser.newContext({ viewport: PHONE, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'zh-CN' });
      await context.addCookies([{ name: 'crm_session', value: cookie, url: `${base}/app` }]);
      const page = await context.newPage();
      const scripts: Array<Promise<{ name: string; bytes: number; gzip: number }>> = [];
      page.on('response', (r) => {
        if (r.request().resourceType() === 'script') scripts.push(r.body().then((b) => ({ name: new URL(r.url()).pathname.split('/').pop()!, bytes: b.length, gzip: gzipSync(b).length })));
      });
      await page.goto(`${base}/app`);
      await page.waitForFunction(() => (globalThis as any).performance.getEntriesByName('fmp').length > 0, undefined, { timeout: 30_000 });
      // Runs in the page (typed loosely: the bench program has no DOM types).
      const t = await page.evaluate(() => {
        const p = (globalThis as any).performance;
        const api = p.getEntriesByType('resource').filter((e: any) => e.name.includes('/app/api/')).map((e: any) => `${e.name.split('/app/api/')[1]} ${e.startTime.toFixed(0)}→${e.responseEnd.toFixed(0)}`);
        return { fmp: p.getEntriesByName('fmp')[0].startTime as number, load: (p.getEntriesByType('navigation')[0]?.loadEventEnd ?? NaN) as number, api };
      });
      const got = await Promise.all(scripts);
      await context.close();
      return { ...t, scripts: got };
    };
    const cold = await load();
    const fmpMs: number[] = [];
    const loadMs: number[] = [];
    let scripts = cold.scripts;
    for (let i = 0; i < runs; i++) {
      const r = await load();
      fmpMs.push(r.fmp);
      if (process.env.BENCH_PAGE_DEBUG) console.error(r.fmp.toFixed(0), r.api.join(', '));
      loadMs.push(r.load);
      scripts = r.scripts;
    }
    return { runs, fmpMs, coldFmpMs: cold.fmp, loadMs, scripts };
  } finally {
    await browser.close();
    const exited = new Promise((r) => child.once('exit', r));
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
    rmSync(dataDir, { recursive: true, force: true });
  }
}
