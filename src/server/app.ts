// The fastify app as a function of its dependencies: health, readiness, bot routes, admin routes.
// Route handlers stay thin: adapters verify and decode, the core (dispatch) does the work.
import Fastify, { type FastifyInstance } from 'fastify';
import { sql } from 'drizzle-orm';
import type { ChatAdapter, Dispatch } from '../adapter.js';
import type { Db } from '../db/client.js';
import { queryRows } from '../db/rows.js';
import { mountAdapterRoutes } from './bot-routes.js';
import { installErrorHandler } from './error-handler.js';
import { serializeError } from './log-errors.js';
import { transportStatuses } from './transports.js';

export interface AppDeps {
  db: Db;
  adapters: ChatAdapter[];
  dispatch: Dispatch;
  logLevel?: string;
  /** Where log lines go (default stdout); tests pass a stream to read them. */
  logStream?: { write(line: string): void };
  /** Extra plugins (admin API …) registered after the core routes. */
  plugins?: Array<(app: FastifyInstance) => Promise<void> | void>;
}

/** Paths that may carry secrets in headers/query; pino redacts them from request logs. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-lark-signature"]',
  'req.headers.sign',
  '*.secret',
  '*.token',
  '*.password',
];

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: {
      level: deps.logLevel ?? 'info',
      ...(deps.logStream ? { stream: deps.logStream } : {}),
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      serializers: {
        // Query strings carry signatures and echostr; log only the path.
        req: (req) => ({ method: req.method, url: req.url.split('?')[0], id: req.id }),
        // Errors without the values of a failed query (src/server/log-errors.ts).
        err: (err) => serializeError(err),
      },
    },
    bodyLimit: 1024 * 1024,
  });
  installErrorHandler(app);
  // Stopping under traffic: Node closes the idle keep-alive sockets once, when close() starts, and fastify answers
  // requests that arrive later with 503 + `Connection: close`. A socket whose request was already in flight stayed
  // open until keepAliveTimeout (72 s), and close() waited for it: a server stopped under traffic took ~70 s to
  // exit. While closing, every response asks for `Connection: close`, and a socket is ended (gracefully, after its
  // bytes) once its response finished.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_req, reply, payload) => {
    if (closing) reply.header('connection', 'close');
    return payload;
  });
  app.addHook('onResponse', async (req) => {
    if (closing && !req.raw.socket.destroyed) req.raw.socket.end();
  });

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    try {
      await queryRows(deps.db, sql`select 1 as ok`);
    } catch {
      return reply.code(503).send({ status: 'database unavailable', transports: transportStatuses(deps.adapters) });
    }
    // Still ready (webhooks and the other connections work) while one long connection reconnects: `degraded` says so.
    const transports = transportStatuses(deps.adapters);
    return { status: transports.every((t) => t.state === 'open' || t.state === 'listening') ? 'ready' : 'degraded', transports };
  });

  await mountAdapterRoutes(app, deps.adapters, deps.dispatch);
  for (const plugin of deps.plugins ?? []) await plugin(app);
  return app;
}
