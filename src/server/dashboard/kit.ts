// What every group of dashboard routes shares: the database, the clock, the session guard and the CSRF check.
// Route files (home.ts, auth.ts, and the ones that follow) take a kit and add their routes; index.ts owns the page.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Platform, SignInFlow } from '../../adapter.js';
import type { Db } from '../../db/client.js';
import type { ImportJobs } from '../../import/jobs.js';
import type { Ctx } from '../../services/context.js';
import type { WebSession } from '../../services/web-sessions.js';

export const SESSION_COOKIE = 'crm_session';

/** The platforms whose own login opens the dashboard (src/server/dashboard/auth.ts). */
export const SIGN_IN_PLATFORMS = ['wecom', 'feishu', 'dingtalk'] as const satisfies readonly Platform[];

/**
 * Where a link into the dashboard should point for someone on `platform`: its sign-in flow (which ends on /app, or
 * straight on /app when a session is already there), else /app itself (console: a /看板 link signs in).
 */
export function dashboardEntryPath(platform: string): string {
  return (SIGN_IN_PLATFORMS as readonly string[]).includes(platform) ? `/app/auth/${platform}` : '/app';
}

export interface DashboardKit {
  db: Db;
  now: () => Date;
  /** The server's import jobs (shared with the admin API and the local tools: one import at a time). */
  imports: ImportJobs;
  /** The signed-in user, or undefined after answering 401 (the caller returns `reply`). */
  signedIn(req: FastifyRequest, reply: FastifyReply): Promise<WebSession | undefined>;
  /** Like signedIn, and for state-changing calls also checks the session's CSRF token in `x-csrf-token` (403 if wrong). */
  signedInForChange(req: FastifyRequest, reply: FastifyReply): Promise<WebSession | undefined>;
  /** The same Ctx chat commands get, for the session's user. */
  ctxOf(s: WebSession): Ctx;
  noStore(reply: FastifyReply): FastifyReply;
  /** CHATCRM_PUBLIC_URL (or this server's address), without a trailing slash. */
  publicUrl: string;
  /** The platform's sign-in flow, when that platform is configured. */
  signInFlow(platform: string): SignInFlow | undefined;
  /** Starts a session for an active user and sets its cookie; false (nothing set, no row) for anyone else. */
  startSessionFor(reply: FastifyReply, tenantId: string, userId: string): Promise<boolean>;
  /** A short polite HTML page (title, one paragraph; optionally a same-origin page to continue to at once). */
  sendPage(reply: FastifyReply, status: number, title: string, text: string, continueTo?: string): FastifyReply;
}

export type DashboardRoutes = (app: FastifyInstance, kit: DashboardKit) => void | Promise<void>;
