// The web dashboard at /app: a mobile-first page (src/web/page/) and the JSON API behind it. Sign-in is the
// single-use link /看板 sends (src/services/web-sessions.ts); the session lives in an HttpOnly, SameSite=Strict
// cookie, and every call below reads the user from the session row — the same visibility as in chat, because the
// numbers come from the same services (/漏斗's funnelFor, /待办's myTodos, /查看's findDeals).
// State-changing calls (none yet besides sign-out) must carry the session's CSRF token in `x-csrf-token`.
import cookie from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Db } from '../db/client.js';
import { ROLE_LABELS } from '../domain/roles.js';
import type { Ctx } from '../services/context.js';
import { findDeals } from '../services/deals.js';
import { funnelFor, FUNNEL_PERIOD_LABELS, type FunnelPeriod } from '../services/funnel.js';
import { pipelineRules } from '../services/tenant-settings.js';
import { myTodos } from '../services/todos.js';
import { endSession, exchangeLink, sessionOf, SESSION_TTL_MS, type WebSession } from '../services/web-sessions.js';
import { pageAssets } from '../web/assets.js';

const COOKIE = 'crm_session';
const periodSchema = z.object({ period: z.enum(['month', 'quarter', 'last90']).default('last90') });
const dealParam = z.object({ no: z.string().regex(/^D-\d{1,9}$/i) });

export interface DashboardOptions {
  now?: () => Date;
  /** The address people open (CHATCRM_PUBLIC_URL): an https address makes the cookie Secure. */
  publicUrl: string;
}

export function dashboard(db: Db, opts: DashboardOptions) {
  const now = opts.now ?? (() => new Date());
  const secure = opts.publicUrl.startsWith('https://');
  return async (app: FastifyInstance) => {
    await app.register(cookie);
    const assets = pageAssets();

    const ctxOf = (s: WebSession): Ctx => ({ db, actor: s.actor, now: now(), timeZone: s.timeZone });
    async function signedIn(req: FastifyRequest, reply: FastifyReply): Promise<WebSession | undefined> {
      const s = await sessionOf(db, req.cookies[COOKIE], now());
      if (!s) void reply.code(401).send({ error: 'not_signed_in', message: '请在聊天里发送 /看板，用收到的链接登录。' });
      return s;
    }
    const noStore = (reply: FastifyReply) => reply.header('cache-control', 'no-store');

    app.get('/app/login', async (req, reply) => {
      const t = z.object({ t: z.string().max(200) }).safeParse(req.query);
      const pair = t.success ? await exchangeLink(db, t.data.t, now()) : undefined;
      noStore(reply).header('referrer-policy', 'no-referrer');
      if (!pair) return reply.code(401).type('text/html; charset=utf-8').send(assets.message('链接已失效', '这个登录链接已经用过或已过期（10 分钟内有效，只能打开一次）。请在聊天里重新发送 /看板。'));
      void reply.setCookie(COOKIE, pair.session, { path: '/app', httpOnly: true, sameSite: 'strict', secure, maxAge: SESSION_TTL_MS / 1000 });
      return reply.redirect('/app', 303);
    });

    app.get('/app', async (_req, reply) => noStore(reply).type('text/html; charset=utf-8').header('content-security-policy', assets.csp).send(assets.html));
    app.get('/app/assets/app.js', async (_req, reply) => reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').send(await assets.script()));

    app.get('/app/api/me', async (req, reply) => {
      const s = await signedIn(req, reply);
      if (!s) return reply;
      return noStore(reply).send({ name: s.actor.name, role: s.actor.role, roleLabel: ROLE_LABELS[s.actor.role], csrf: s.csrf });
    });

    app.get('/app/api/funnel', async (req, reply) => {
      const s = await signedIn(req, reply);
      if (!s) return reply;
      const q = periodSchema.safeParse(req.query);
      if (!q.success) return reply.code(400).send({ error: 'bad_period', message: '时间范围只能是 month、quarter 或 last90。' });
      const ctx = ctxOf(s);
      const period: FunnelPeriod = q.data.period;
      const [{ labels }, f] = await Promise.all([pipelineRules(db, s.actor.tenantId), funnelFor(ctx, 'visible', period)]);
      return noStore(reply).send({
        period,
        periodLabel: FUNNEL_PERIOD_LABELS[period],
        since: f.since.toISOString(),
        pipeline: f.pipeline.map((r) => ({ ...r, label: labels[r.stage] })),
        conversion: f.conversion.map((c) => ({ ...c, fromLabel: labels[c.from], toLabel: labels[c.to] })),
        avgCycleDays: f.avgCycleDays,
        wonCount: f.wonCount,
      });
    });

    app.get('/app/api/todos', async (req, reply) => {
      const s = await signedIn(req, reply);
      if (!s) return reply;
      const ctx = ctxOf(s);
      const t = await myTodos(ctx, new Date(ctx.now.getTime() + 24 * 3600_000));
      return noStore(reply).send({
        deals: t.deals.map((d) => ({ no: `D-${d.shortNo}`, title: d.title, customerName: d.customerName, stage: d.stage, dueAt: d.due.at.toISOString(), reason: d.due.reason, overdue: d.overdue })),
        approvals: t.approvals.map((a) => ({ no: `A-${a.requestShortNo}`, dealTitle: a.dealTitle, amountFen: a.amountFen, discountBp: a.discountBp, waitingSince: a.waitingSince.toISOString() })),
      });
    });

    app.get('/app/api/deals/:no', async (req, reply) => {
      const s = await signedIn(req, reply);
      if (!s) return reply;
      const p = dealParam.safeParse(req.params);
      if (!p.success) return reply.code(400).send({ error: 'bad_deal', message: '商机号应当像 D-17。' });
      // findDeals applies the chat's visibility: another rep's deal is simply not found.
      const [d] = await findDeals(ctxOf(s), p.data.no);
      if (!d) return reply.code(404).send({ error: 'not_found', message: `没有找到你能查看的商机 ${p.data.no}。` });
      const { labels } = await pipelineRules(db, s.actor.tenantId);
      return noStore(reply).send({ no: `D-${d.shortNo}`, title: d.title, customerName: d.customerName, stage: d.stage, stageLabel: labels[d.stage], amountFen: d.amountFen, lastActivityAt: d.lastActivityAt.toISOString() });
    });

    app.post('/app/api/logout', async (req, reply) => {
      const s = await signedIn(req, reply);
      if (!s) return reply;
      if (req.headers['x-csrf-token'] !== s.csrf) return reply.code(403).send({ error: 'csrf', message: '页面已过期，请刷新后重试。' });
      await endSession(db, req.cookies[COOKIE]!, now());
      void reply.clearCookie(COOKIE, { path: '/app' });
      return reply.send({ ok: true });
    });
  };
}
