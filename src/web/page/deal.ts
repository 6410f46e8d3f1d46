// A deal's 360° view (#/deal/D-n): what /查看 shows of it — customer, stage, amount, follow-up due time, recent
// follow-ups with next steps, quotes and their approval, payments. Another rep's deal is "not found" by the API.
import { api, el, frame, notice, yuan, type Me } from './dom.js';

interface Deal360 {
  no: string; title: string; customerName: string; stageLabel: string; amountFen: number | null; expectedCloseOn: string | null; closed: boolean;
  due: { label: string; overdue: boolean } | null;
  customer: { no: string; name: string; ownerName: string; phone: string | null; region: string | null; contacts: Array<{ name: string; title: string | null; phone: string | null }> };
  followUps: Array<{ at: string; kindLabel: string; summary: string; nextStep: string | null; authorName: string; dealNo: string | null }>;
  quotes: Array<{ no: string; amountFen: number; discountBp: number; statusLabel: string; at: string }>;
  payments: { planFen: number; receivedFen: number; outstandingFen: number; overdueFen: number } | null;
}

const day = (iso: string) => new Date(iso).toLocaleDateString('zh-CN', { month: '2-digit', day: '2-digit' });

export async function showDeal(me: Me, no: string) {
  const r = await api<Deal360>(`/app/api/deals/${encodeURIComponent(no)}`);
  if (!r.ok) return notice(r.message);
  const d = r.body;
  const c = d.customer;
  const ul = (testId: string, items: HTMLElement[], empty: string) => {
    const list = el('ul', { 'data-testid': testId }, ...items);
    if (items.length === 0) list.append(el('li', { class: 'muted' }, empty));
    return list;
  };
  frame(me, '', `${d.no} ${d.title}`,
    el('section', { 'data-testid': 'deal' },
      el('p', {}, `客户：${d.customerName}（${c.no}，负责人 ${c.ownerName}）`),
      el('p', {}, `阶段：${d.stageLabel}`),
      el('p', {}, `金额：${d.amountFen === null ? '—' : yuan(d.amountFen)}${d.expectedCloseOn ? ` · 预计成交 ${d.expectedCloseOn}` : ''}`),
      ...(d.due ? [el('p', { class: d.due.overdue ? 'overdue' : 'muted' }, `跟进：${d.due.label}`)] : []),
      el('p', { class: 'muted' }, [c.phone && `电话 ${c.phone}`, c.region && `地区 ${c.region}`, c.contacts.length > 0 && `联系人 ${c.contacts.map((p) => [p.name, p.title].filter(Boolean).join(' ')).join('、')}`].filter(Boolean).join(' · ') || '暂无电话、地区和联系人')),
    el('section', {}, el('h2', {}, '最近跟进'), ul('follow-ups', d.followUps.map((f) =>
      el('li', {}, el('p', {}, `${day(f.at)} ${f.kindLabel} · ${f.authorName}${f.dealNo && f.dealNo !== d.no ? `（${f.dealNo}）` : ''}`), el('p', {}, f.summary), ...(f.nextStep ? [el('p', { class: 'muted' }, `下一步：${f.nextStep}`)] : []))), '还没有跟进记录。')),
    el('section', {}, el('h2', {}, '报价与审批'), ul('quotes', d.quotes.map((q) => el('li', {}, `${q.no} ${yuan(q.amountFen)}${q.discountBp ? ` 折扣 ${q.discountBp / 100}%` : ''} · ${q.statusLabel} · ${day(q.at)}`)), '还没有报价。')),
    el('section', {}, el('h2', {}, '回款'), d.payments
      ? el('p', { 'data-testid': 'payments' }, `计划 ${yuan(d.payments.planFen)} · 已回 ${yuan(d.payments.receivedFen)} · 未回 ${yuan(d.payments.outstandingFen)}${d.payments.overdueFen ? ` · 逾期 ${yuan(d.payments.overdueFen)}` : ''}`)
      : el('p', { class: 'muted', 'data-testid': 'payments' }, d.closed ? '没有回款记录。' : '签约后在这里看回款。')),
  );
}
