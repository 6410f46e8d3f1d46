// Signing in from inside a chat app (workbench / H5 entry): GET /app/auth/<platform> sends the browser to the
// platform's OAuth2 page with a `state` bound to this browser (a 10-minute cookie, SameSite=Lax so it survives the
// platform's redirect back); GET /app/auth/<platform>/callback checks it, has the adapter turn the code into the
// member (src/adapter.ts SignInFlow), finds our user through the chat's own owner (findKnownSender: the tenant key
// and user id every chat message carries), and starts the same session as a /看板 link. It ends on a same-origin
// page that moves on to /app: the Strict session cookie is not sent on the cross-site redirect chain itself.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { AdapterError } from '../../adapter.js';
import { findKnownSender } from '../../services/users.js';
import { sessionOf } from '../../services/web-sessions.js';
import { SESSION_COOKIE, SIGN_IN_PLATFORMS, type DashboardRoutes } from './kit.js';

export const STATE_COOKIE = 'crm_signin';
/** How long a started sign-in may take (the platforms' codes live 5 minutes). */
export const STATE_TTL_MS = 10 * 60_000;

const APP_NAMES: Record<(typeof SIGN_IN_PLATFORMS)[number], string> = { wecom: '企业微信', feishu: '飞书', dingtalk: '钉钉' };

const platformParam = z.object({ platform: z.enum(SIGN_IN_PLATFORMS) });
/** The platforms send `code` (WeCom, Feishu) or `authCode` (DingTalk; some versions also `code`). */
const callbackQuery = z.object({
  code: z.string().regex(/^[A-Za-z0-9._~+/=-]{1,512}$/).optional(),
  authCode: z.string().regex(/^[A-Za-z0-9._~+/=-]{1,512}$/).optional(),
  state: z.string().regex(/^[0-9a-z]{1,12}\.[A-Za-z0-9_-]{22}$/),
});

const sameText = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

export const authRoutes: DashboardRoutes = (app, kit) => {
  const secure = kit.publicUrl.startsWith('https://');
  const stateCookie = { path: '/app/auth', httpOnly: true, sameSite: 'lax', secure } as const;
  const redirectUri = (platform: string) => `${kit.publicUrl}/app/auth/${platform}/callback`;

  app.get('/app/auth/:platform', async (req, reply) => {
    const p = platformParam.safeParse(req.params);
    const flow = p.success ? kit.signInFlow(p.data.platform) : undefined;
    if (!p.success || !flow) return kit.sendPage(reply, 404, '没有这个登录方式', '这个看板没有接入该聊天应用的登录。请在聊天里发送 /看板，用收到的链接登录。');
    // Already signed in (a same-site visit carries the Strict cookie): straight to the dashboard.
    if (await sessionOf(kit.db, req.cookies[SESSION_COOKIE], kit.now())) return kit.noStore(reply).redirect('/app', 303);
    const state = `${kit.now().getTime().toString(36)}.${randomBytes(16).toString('base64url')}`;
    void reply.setCookie(STATE_COOKIE, `${p.data.platform}.${state}`, { ...stateCookie, maxAge: STATE_TTL_MS / 1000 });
    return kit.noStore(reply).redirect(flow.authorizeUrl(redirectUri(p.data.platform), state), 302);
  });

  app.get('/app/auth/:platform/callback', async (req, reply) => {
    void reply.header('referrer-policy', 'no-referrer');
    const p = platformParam.safeParse(req.params);
    const flow = p.success ? kit.signInFlow(p.data.platform) : undefined;
    if (!p.success || !flow) return kit.sendPage(reply, 404, '没有这个登录方式', '这个看板没有接入该聊天应用的登录。请在聊天里发送 /看板，用收到的链接登录。');
    const platform = p.data.platform;
    const appName = APP_NAMES[platform];
    // The state is single-use: whatever happens next, this browser's pending sign-in is over.
    const pending = req.cookies[STATE_COOKIE];
    void reply.clearCookie(STATE_COOKIE, stateCookie);
    const q = callbackQuery.safeParse(req.query);
    const issuedAt = q.success ? parseInt(q.data.state.split('.')[0]!, 36) : NaN;
    const age = kit.now().getTime() - issuedAt;
    if (!q.success || !pending || !sameText(pending, `${platform}.${q.data.state}`) || !(age >= -60_000 && age <= STATE_TTL_MS)) {
      return kit.sendPage(reply, 400, '登录没有完成', `这次登录已过期，或不是从这个浏览器开始的。请回到${appName}工作台，重新打开 ChatCRM 看板。`);
    }
    // Our state came back without a code: the user declined (error=access_denied) or the platform gave none.
    const code = q.data.code ?? q.data.authCode;
    if (!code) return kit.sendPage(reply, 400, '登录没有完成', `${appName}没有给出登录授权（可能点了“拒绝”）。请回到${appName}工作台，重新打开 ChatCRM 看板并同意授权。`);

    let member;
    try {
      member = await flow.userOfCode(code, redirectUri(platform));
    } catch (err) {
      if (!(err instanceof AdapterError)) throw err;
      req.log.warn({ platform, code: err.code, err: err.message }, 'dashboard sign-in: the platform did not confirm the code');
      return kit.sendPage(reply, 502, '暂时无法登录', `${appName}这次没有确认你的身份（登录码已用过或已过期，或平台暂时没有应答）。请稍后回到${appName}工作台，重新打开 ChatCRM 看板。`);
    }
    if (!member) return kit.sendPage(reply, 403, '只有企业成员可以登录', `${appName}确认的这个账号不是本企业的成员，不能打开看板。`);

    const known = await findKnownSender(kit.db, platform, member.tenantKey, member.platformUserId);
    if (!known) return kit.sendPage(reply, 403, '还没有你的账号', `请先在${appName}里给 ChatCRM 机器人发一条消息（例如 /帮助），再打开看板。`);
    if (!known.user.active || !(await kit.startSessionFor(reply, known.tenant.id, known.user.id))) {
      return kit.sendPage(reply, 403, '账号已停用', '你的账号已停用，无法打开看板。如有疑问请联系管理员。');
    }
    return kit.sendPage(reply, 200, '登录成功', `${known.user.name}，正在打开看板…`, '/app');
  });
};
