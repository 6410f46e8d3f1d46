// A deal's screen (#/deal/D-n): what /查看 shows; another rep's deal is "not found" by the API.
import { api, el, notice, root, yuan } from './dom.js';

export async function showDeal(no: string) {
  const d = await api<{ no: string; title: string; customerName: string; stageLabel: string; amountFen: number | null }>(`/app/api/deals/${encodeURIComponent(no)}`);
  if (!d.ok) return notice(d.message);
  root.replaceChildren(
    el('header', {}, el('h1', {}, `${d.body.no} ${d.body.title}`), el('a', { href: '#/' }, '返回')),
    el('main', {}, el('section', { 'data-testid': 'deal' }, el('p', {}, `客户：${d.body.customerName}`), el('p', {}, `阶段：${d.body.stageLabel}`), el('p', {}, `金额：${d.body.amountFen === null ? '—' : yuan(d.body.amountFen)}`))),
  );
}
