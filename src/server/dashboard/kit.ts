// What every group of dashboard routes shares: the database, the clock, the session guard and the CSRF check.
// Route files (home.ts, and the ones that follow) take a kit and add their routes; index.ts owns sign-in and the page.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Db } from '../../db/client.js';
import type { ImportJobs } from '../../import/jobs.js';
import type { Ctx } from '../../services/context.js';
import type { WebSession } from '../../services/web-sessions.js';

export const SESSION_COOKIE = 'crm_session';

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
}

export type DashboardRoutes = (app: FastifyInstance, kit: DashboardKit) => void | Promise<void>;
