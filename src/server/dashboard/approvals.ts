// Approvals waiting for me (#/approvals), and approving or rejecting one from the page: the same decision service as
// the cards and /批准 (src/services/approvals.ts decideApproval: only the pending approver, never the requester, one
// decision per step), in one transaction with the outbox rows it queues, so every copy of the card updates in place.
import { z } from 'zod';
import { decisionReply } from '../../commands/approve.js';
import { APPROVER_ROLE_LABELS } from '../../domain/approval-rules.js';
import { gateText } from '../../domain/text-gate.js';
import { decideApproval, findApprovalId } from '../../services/approvals.js';
import { shortId } from '../../services/counters.js';
import { myTodos } from '../../services/todos.js';
import { refuse, type DashboardRoutes } from './kit.js';

const approvalParam = z.object({ no: z.string().regex(/^A-\d{1,9}$/i) });
// The comment's own limit (500 characters) is text-gate's, said by decideApproval; this only bounds the request.
const decisionBody = z.object({ decision: z.enum(['approved', 'rejected']), comment: z.string().max(4000).optional() });

export const approvalRoutes: DashboardRoutes = (app, { db, signedIn, signedInForChange, ctxOf, noStore, onQueued }) => {
  app.get('/app/api/approvals', async (req, reply) => {
    const s = await signedIn(req, reply);
    if (!s) return reply;
    const ctx = ctxOf(s);
    const t = await myTodos(ctx, ctx.now);
    return noStore(reply).send({
      approvals: t.approvals.map((a) => ({
        no: shortId('approval', a.requestShortNo), dealNo: shortId('deal', a.dealShortNo), dealTitle: a.dealTitle, customerName: a.customerName,
        requesterName: a.requesterName, roleLabel: APPROVER_ROLE_LABELS[a.role], amountFen: a.amountFen, discountBp: a.discountBp,
        waitingSince: a.waitingSince.toISOString(),
      })),
    });
  });

  app.post('/app/api/approvals/:no/decision', async (req, reply) => {
    const s = await signedInForChange(req, reply);
    if (!s) return reply;
    const p = approvalParam.safeParse(req.params);
    if (!p.success) return reply.code(400).send({ error: 'bad_approval', message: '审批号应当像 A-12。' });
    const b = decisionBody.safeParse(req.body);
    if (!b.success) return reply.code(400).send({ error: 'bad_decision', message: '请选择「批准」或「驳回」；意见请写在 500 字以内。' });
    const { decision } = b.data;
    // Cleaned as the chat's gate cleans a typed line (src/inbound/gate.ts): invisible characters out, one line.
    const comment = b.data.comment === undefined ? undefined : gateText(b.data.comment, { singleLine: true });
    try {
      const r = await db.transaction(async (tx) => {
        const ctx = { ...ctxOf(s), db: tx };
        return decideApproval(ctx, await findApprovalId(ctx, p.data.no), decision, comment);
      });
      onQueued();
      // The same sentence /批准 and /驳回 answer with.
      return reply.send({ no: shortId('approval', r.approval.request.shortNo), outcome: r.outcome, message: decisionReply(r, decision) });
    } catch (e) {
      return refuse(reply, e);
    }
  });
};
