// The web dashboard at /app: a mobile-first page (src/web/page/) and the JSON API behind it. Sign-in is the
// single-use link /看板 sends (src/services/web-sessions.ts), or the chat app's own login (auth.ts: WeCom, Feishu,
// DingTalk OAuth2 codes, for the workbench/H5 entry); the session lives in an HttpOnly, SameSite=Strict cookie,
// and every call reads the user from the session row — the same visibility as in chat, because the numbers come
// from the same services. Route groups live beside this file (home.ts, …) and share one kit (kit.ts).
// State-changing calls must carry the session's CSRF token in `x-csrf-token` (kit.signedInForChange).
import cookie from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Db } from '../../db/client.js';
import { ROLE_LABELS } from '../../domain/roles.js';
import type { Platform, SignInFlow } from '../../adapter.js';
import { endSession, exchangeLink, sessionOf, SESSION_TTL_MS, startSession, type WebSession } from '../../services/web-sessions.js';
import { pageAssets } from '../../web/assets.js';
import { createImportJobs, type ImportJobs } from '../../import/jobs.js';
import { adminImportRoutes } from './admin-import.js';
import { adminRoutes } from './admin.js';
import { approvalRoutes } from './approvals.js';
import { authRoutes } from './auth.js';
import { dealRoutes } from './deal.js';
import { homeRoutes } from './home.js';
import { performanceRoutes } from './performance.js';
import { teamRoutes } from './team.js';
import { SESSION_COOKIE, type DashboardKit, type DashboardRoutes } from './kit.js';

const ROUTES: DashboardRoutes[] = [homeRoutes, dealRoutes, teamRoutes, performanceRoutes, approvalRoutes, authRoutes, adminRoutes, adminImportRoutes];

export interface DashboardOptions {
  now?: () => Date;
  /** The address people open (CHATCRM_PUBLIC_URL): an https address makes the cookie Secure. */
  publicUrl: string;
  /** The configured chat apps' own sign-in (adapters' `signIn`), by platform. */
  signIn?: Partial<Record<Platform, SignInFlow>>;
  /** The server's import jobs (src/compose.ts shares one set); without it the dashboard keeps its own. */
  imports?: ImportJobs;
  /** Called after a commit that queued outbox rows (an approval decided from the page): wakes the outbox lanes. */
  onQueued?: () => void;
}

export function dashboard(db: Db, opts: DashboardOptions) {
  const now = opts.now ?? (() => new Date());
  const secure = opts.publicUrl.startsWith('https://');
  return async (app: import('fastify').FastifyInstance) => {
    await app.register(cookie);
    const assets = pageAssets();
    const imports = opts.imports ?? createImportJobs(db, 'database');
    if (!opts.imports) app.addHook('onClose', async () => imports.close());

    async function signedIn(req: FastifyRequest, reply: FastifyReply): Promise<WebSession | undefined> {
      const s = await sessionOf(db, req.cookies[SESSION_COOKIE], now());
      if (!s) void reply.code(401).send({ error: 'not_signed_in', message: '请在聊天里发送 /看板，用收到的链接登录（从企业微信、飞书或钉钉的工作台打开 ChatCRM 也能直接登录）。' });
      return s;
    }
    const setSessionCookie = (reply: FastifyReply, token: string) =>
      reply.setCookie(SESSION_COOKIE, token, { path: '/app', httpOnly: true, sameSite: 'strict', secure, maxAge: SESSION_TTL_MS / 1000 });
    const kit: DashboardKit = {
      db,
      now,
      imports,
      signedIn,
      async signedInForChange(req, reply) {
        const s = await signedIn(req, reply);
        if (s && req.headers['x-csrf-token'] !== s.csrf) {
          void reply.code(403).send({ error: 'csrf', message: '页面已过期，请刷新后重试。' });
          return undefined;
        }
        return s;
      },
      ctxOf: (s) => ({ db, actor: s.actor, now: now(), timeZone: s.timeZone }),
      noStore: (reply) => reply.header('cache-control', 'no-store'),
      publicUrl: opts.publicUrl.replace(/\/$/, ''),
      signInFlow: (platform) => (Object.hasOwn(opts.signIn ?? {}, platform) ? opts.signIn![platform as Platform] : undefined),
      async startSessionFor(reply, tenantId, userId) {
        const pair = await startSession(db, tenantId, userId, now());
        if (pair) setSessionCookie(reply, pair.session);
        return Boolean(pair);
      },
      sendPage(reply, status, title, text, continueTo) {
        return kit
          .noStore(reply)
          .code(status)
          .type('text/html; charset=utf-8')
          .header('content-security-policy', assets.messageCsp)
          .send(continueTo ? assets.continueTo(title, text, continueTo) : assets.message(title, text));
      },
      onQueued: () => opts.onQueued?.(),
    };

    app.get('/app/login', async (req, reply) => {
      const t = z.object({ t: z.string().max(200) }).safeParse(req.query);
      const pair = t.success ? await exchangeLink(db, t.data.t, now()) : undefined;
      kit.noStore(reply).header('referrer-policy', 'no-referrer');
      if (!pair) return kit.sendPage(reply, 401, '链接已失效', '这个登录链接已经用过或已过期（10 分钟内有效，只能打开一次）。请在聊天里重新发送 /看板。');
      void setSessionCookie(reply, pair.session);
      return reply.redirect('/app', 303);
    });

    app.get('/app', async (_req, reply) => kit.noStore(reply).type('text/html; charset=utf-8').header('content-security-policy', assets.csp).send(assets.html));
    // app.js and the chunks esbuild split off (the screens loaded on demand): names are built ones only. A chunk's
    // name carries its content hash, so it may be kept; app.js (which names them) is revalidated every time.
    app.get('/app/assets/:file', async (req, reply) => {
      const { file } = req.params as { file: string };
      const text = /^[A-Za-z0-9_-]{1,80}\.js$/.test(file) ? await assets.script(file) : undefined;
      if (text === undefined) return reply.code(404).send({ error: 'not_found', message: '没有这个文件。' });
      return reply.type('text/javascript; charset=utf-8').header('cache-control', file === 'app.js' ? 'no-cache' : 'public, max-age=31536000, immutable').send(text);
    });

    app.get('/app/api/me', async (req, reply) => {
      const s = await signedIn(req, reply);
      if (!s) return reply;
      return kit.noStore(reply).send({ name: s.actor.name, role: s.actor.role, roleLabel: ROLE_LABELS[s.actor.role], csrf: s.csrf });
    });

    app.post('/app/api/logout', async (req, reply) => {
      const s = await kit.signedInForChange(req, reply);
      if (!s) return reply;
      await endSession(db, req.cookies[SESSION_COOKIE]!, now());
      void reply.clearCookie(SESSION_COOKIE, { path: '/app' });
      return reply.send({ ok: true });
    });

    for (const routes of ROUTES) await routes(app, kit);
  };
}
