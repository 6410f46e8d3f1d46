// What every group of dashboard routes shares: the database, the clock, the session guard and the CSRF check, the
// screens' team/rep filter, and a refusal from a service as a polite answer.
// Route files (home.ts, auth.ts, and the ones that follow) take a kit and add their routes; index.ts owns the page.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Platform, SignInFlow } from '../../adapter.js';
import type { Db } from '../../db/client.js';
import { isDomainError, type DomainErrorCode } from '../../domain/errors.js';
import type { ImportJobs } from '../../import/jobs.js';
import type { Ctx } from '../../services/context.js';
import { ownersInFilter, type FilteredOwners } from '../../services/visibility.js';
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
  /** After a commit that queued outbox rows (wakes the outbox lanes, as a chat command's commit does). */
  onQueued(): void;
}

export type DashboardRoutes = (app: FastifyInstance, kit: DashboardKit) => void | Promise<void>;

const STATUS: Record<DomainErrorCode, number> = {
  NOT_FOUND: 404, AMBIGUOUS: 400, NOT_ALLOWED: 403, INVALID_INPUT: 400, STAGE_CRITERIA_UNMET: 409, ALREADY_DECIDED: 409,
  ALREADY_CLOSED: 409, NO_APPROVER: 409, DUPLICATE: 409, MERGED: 409,
};

/** A service's refusal (DomainError) as its Chinese sentence with a fitting status; anything else is a bug and is rethrown. */
export function refuse(reply: FastifyReply, e: unknown): FastifyReply {
  if (!isDomainError(e)) throw e;
  return reply.code(STATUS[e.code]).send({ error: e.code.toLowerCase(), message: e.userMessage });
}

const filterSchema = z.object({ team: z.string().uuid().optional(), rep: z.string().uuid().optional() });

/**
 * The screen's team and rep filter from the query, checked by visibility.ts (a value outside what the user may see
 * is refused there, never widened); undefined after answering 400/403/404.
 */
export async function filterOf(ctx: Ctx, query: unknown, reply: FastifyReply): Promise<FilteredOwners | undefined> {
  const q = filterSchema.safeParse(query);
  if (!q.success) {
    void reply.code(400).send({ error: 'bad_filter', message: '筛选条件不对：请从列表里重新选择团队或销售。' });
    return undefined;
  }
  try {
    return await ownersInFilter(ctx, { teamId: q.data.team, repId: q.data.rep });
  } catch (e) {
    refuse(reply, e);
    return undefined;
  }
}
