// The dashboard page (runs in the browser; bundled by src/web/assets.ts). A hash router over the screens beside this
// file; every number comes from the API, which computes it with the chat's services. Screens set text with
// textContent only (dom.ts's el), under a CSP with no inline script.
import { showImport } from './admin-import.js';
import { showAdmin } from './admin.js';
import { showDeal } from './deal.js';
import { api, notice, type Me } from './dom.js';
import { showHome } from './home.js';

/** Hash routes: the first that matches draws the screen. */
const ROUTES: Array<[RegExp, (me: Me, m: RegExpExecArray) => Promise<void>]> = [
  [/^#\/deal\/(D-\d+)$/i, (_me, m) => showDeal(m[1]!)],
  [/^#\/admin$/, (me) => showAdmin(me)],
  [/^#\/admin\/import$/, async (me) => showImport(me)],
];

async function route() {
  const me = await api<Me>('/app/api/me');
  if (!me.ok) return notice(me.status === 401 ? '请在聊天里发送 /看板，用收到的链接登录（从企业微信、飞书或钉钉的工作台打开 ChatCRM 也能直接登录）。' : me.message);
  for (const [re, show] of ROUTES) {
    const m = re.exec(location.hash);
    if (m) return show(me.body, m);
  }
  return showHome(me.body);
}

window.addEventListener('hashchange', () => void route());
void route();
