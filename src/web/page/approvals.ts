// Approvals waiting for me (#/approvals): approve, or reject with a reason, from the page. The server decides with
// the same service as the cards (nobody decides their own request; a second click changes nothing) and updates
// every copy of the card; the answer is shown as the chat would say it.
import { api, change, el, frame, notice, yuan, type Me } from './dom.js';

interface Waiting {
  approvals: Array<{ no: string; dealNo: string; dealTitle: string; customerName: string; requesterName: string; roleLabel: string; amountFen: number; discountBp: number; waitingSince: string }>;
}

export async function showApprovals(me: Me, said = '') {
  const res = await api<Waiting>('/app/api/approvals');
  if (!res.ok) return notice(res.message);
  const result = el('p', { class: 'result', 'data-testid': 'approval-result', role: 'status' }, said);
  const list = el('ul', { 'data-testid': 'approval-list' });
  for (const a of res.body.approvals) {
    const reason = el('input', { type: 'text', maxlength: '500', placeholder: '意见（驳回时必填）', 'aria-label': `${a.no} 的意见` });
    const decide = async (decision: 'approved' | 'rejected', buttons: HTMLButtonElement[]) => {
      for (const b of buttons) b.disabled = true;
      const r = await change<{ message: string }>(me, `/app/api/approvals/${encodeURIComponent(a.no)}/decision`, { decision, ...(reason.value.trim() ? { comment: reason.value.trim() } : {}) });
      if (r.ok) return showApprovals(me, r.body.message);
      result.textContent = r.message;
      for (const b of buttons) b.disabled = false;
    };
    const approve = el('button', { type: 'button', class: 'primary', 'data-testid': `approve-${a.no}` }, '批准');
    const reject = el('button', { type: 'button', 'data-testid': `reject-${a.no}` }, '驳回');
    approve.addEventListener('click', () => void decide('approved', [approve, reject]));
    reject.addEventListener('click', () => void decide('rejected', [approve, reject]));
    list.append(el('li', { 'data-approval': a.no },
      el('p', {}, el('strong', {}, a.no), ' ', el('a', { href: `#/deal/${a.dealNo}` }, `${a.dealNo} ${a.dealTitle}`)),
      el('p', { class: 'muted' }, `${a.customerName} · ${a.requesterName} 申请 · ${yuan(a.amountFen)}${a.discountBp ? ` · 折扣 ${a.discountBp / 100}%` : ''} · 你的角色：${a.roleLabel}`),
      reason, el('div', { class: 'actions' }, approve, reject)));
  }
  if (res.body.approvals.length === 0) list.append(el('li', { class: 'muted' }, '没有等你审批的报价。'));
  frame(me, '#/approvals', '等我审批', el('section', {}, result, list));
}
