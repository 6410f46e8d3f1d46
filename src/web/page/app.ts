// The dashboard page (runs in the browser; bundled by src/web/assets.ts). A hash router over the screens beside this
// file; every number comes from the API, which computes it with the chat's services. Screens set text with
// textContent only (dom.ts's el), under a CSP with no inline script. The team and performance screens (with their
// heavier charts) and the admin screens are loaded on demand, so the first screen's script stays small.
import { showApprovals } from './approvals.js';
import { showDeal } from './deal.js';
import { api, notice, type Me } from './dom.js';
import { prefetchHome, showHome } from './home.js';

/** Hash routes: the first that matches draws the screen. */
const ROUTES: Array<[RegExp, (me: Me, m: RegExpExecArray) => Promise<void>]> = [
  [/^#\/deal\/(D-\d+)$/i, (me, m) => showDeal(me, m[1]!)],
  [/^#\/team$/, async (me) => (await import('./team.js')).showTeam(me)],
  [/^#\/perf$/, async (me) => (await import('./performance.js')).showPerformance(me)],
  [/^#\/approvals$/, (me) => showApprovals(me)],
  [/^#\/admin$/, async (me) => (await import('./admin.js')).showAdmin(me)],
  [/^#\/admin\/import$/, async (me) => (await import('./admin-import.js')).showImport(me)],
];

let me: Promise<Awaited<ReturnType<typeof api<Me>>>> | undefined;

async function route() {
  const who = await (me ??= api<Me>('/app/api/me'));
  if (!who.ok) {
    me = undefined;
    return notice(who.status === 401 ? '请在聊天里发送 /看板，用收到的链接登录（从企业微信、飞书或钉钉的工作台打开 ChatCRM 也能直接登录）。' : who.message);
  }
  for (const [re, show] of ROUTES) {
    const m = re.exec(location.hash);
    if (m) return show(who.body, m);
  }
  return showHome(who.body);
}

window.addEventListener('hashchange', () => void route());
// Opening the first screen: its figures are asked for at once, beside /app/api/me, not after it.
if (!ROUTES.some(([re]) => re.test(location.hash))) prefetchHome();
void route();
