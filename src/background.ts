// Background work of a server process, as independent loops that never wait for one another:
// - inbox drainers (several on PostgreSQL, one on PGlite) run recorded messages (src/inbound/inbox.ts);
// - one outbox lane per (platform, app) delivers that app's rows under its own rate limit (src/outbox/worker.ts),
//   so a slow or hung platform delays only its own replies;
// - the scheduler claims each job's slot once across every process sharing the database.
import type { ChatAdapter, Dispatch, Platform } from './adapter.js';
import type { Db } from './db/client.js';
import { hostname } from 'node:os';
import { drainInbox } from './inbound/inbox.js';
import type { DispatchDeps } from './inbound/dispatch.js';
import { createOutboxWorker } from './outbox/worker.js';
import { startScheduler } from './scheduler/jobs.js';

export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface BackgroundDeps {
  db: Db;
  adapters: ChatAdapter[];
  dispatch: Dispatch;
  /** How inbox messages are processed (the same settings as the dispatch). */
  inbox: DispatchDeps;
  log: Logger;
  /** How many inbox drainers this process runs (default 1). */
  drainers?: number;
  /** Messages per second per platform app (defaults in src/outbox/worker.ts). */
  ratePerSecond?: Partial<Record<Platform, number>>;
  /** A claimed outbox row is retried by anyone after this long. */
  leaseMs?: number;
  now?: () => Date;
  pollMs?: number;
  /** Distinguishes instances in scheduler claims. */
  instanceId?: string;
  /** Run the minute scheduler (default true). */
  scheduler?: boolean;
}

export interface Background {
  /** Wake the inbox drainers (a message was recorded). */
  kickInbox(): void;
  /** Wake the outbox lanes (a commit queued messages). */
  kickOutbox(): void;
  /** Wake everything. */
  kick(): void;
  /** True while no loop is working (tests use it with the database's counts). */
  idle(): boolean;
  /** The lanes this process runs, e.g. `wecom:ww123/1000002`. */
  lanes: string[];
  stop(): Promise<void>;
}

/**
 * A loop that runs `work` until it reports nothing done, then sleeps until kicked or `pollMs` passed. `work` gets
 * `stopping()`: once it is true, work finishes the item it holds and returns, so stop() waits for one item, not a backlog.
 */
function loop(name: string, work: (stopping: () => boolean) => Promise<number>, log: Logger, pollMs: number) {
  let stopped = false;
  let busy = false;
  let again = false;
  let wake: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  const stopping = () => stopped;
  const done = (async () => {
    while (!stopped) {
      busy = true;
      again = false;
      try {
        while (!stopped && (await work(stopping)) > 0);
      } catch (err) {
        log.error({ err, loop: name }, 'background loop failed; will retry');
      }
      busy = false;
      if (stopped) break;
      if (again) continue;
      await new Promise<void>((r) => {
        wake = r;
        timer = setTimeout(r, pollMs);
      });
      clearTimeout(timer);
      wake = undefined;
    }
  })();
  return {
    kick() {
      again = true;
      wake?.();
    },
    idle: () => !busy && !again,
    async stop() {
      stopped = true;
      wake?.();
      await done;
    },
  };
}

export function startBackground(deps: BackgroundDeps): Background {
  const pollMs = deps.pollMs ?? 1000;
  const lanes = deps.adapters.map((adapter) => {
    const worker = createOutboxWorker({
      db: deps.db,
      adapters: [adapter],
      log: deps.log,
      ...(deps.ratePerSecond ? { ratePerSecond: deps.ratePerSecond } : {}),
      ...(deps.leaseMs ? { leaseMs: deps.leaseMs } : {}),
      ...(deps.now ? { now: deps.now } : {}),
    });
    const name = `${adapter.platform}:${adapter.app ?? 'default'}`;
    return { name, loop: loop(`outbox ${name}`, (stopping) => worker.drain(stopping), deps.log, pollMs) };
  });
  const kickOutbox = () => lanes.forEach((l) => l.loop.kick());
  const inboxDeps: DispatchDeps = { ...deps.inbox, onQueued: kickOutbox };
  const drainers = Array.from({ length: Math.max(1, deps.drainers ?? 1) }, (_, i) =>
    loop(`inbox ${i + 1}`, (stopping) => drainInbox(deps.db, inboxDeps, 50, stopping), deps.log, pollMs),
  );
  const kickInbox = () => drainers.forEach((d) => d.kick());
  const scheduler =
    deps.scheduler === false
      ? undefined
      : startScheduler({
          db: deps.db,
          instanceId: deps.instanceId ?? `${hostname()}:${process.pid}`,
          onQueued: kickOutbox,
          log: deps.log,
          ...(deps.now ? { now: deps.now } : {}),
        });
  // Long-connection transports (Feishu ws, DingTalk Stream) connect out; their SDKs reconnect by themselves.
  for (const a of deps.adapters) {
    a.start?.(deps.dispatch).catch((err) => deps.log.error({ err, platform: a.platform }, 'long connection failed to start'));
  }
  return {
    kickInbox,
    kickOutbox,
    kick() {
      kickInbox();
      kickOutbox();
    },
    idle: () => drainers.every((d) => d.idle()) && lanes.every((l) => l.loop.idle()),
    lanes: lanes.map((l) => l.name),
    async stop() {
      scheduler?.stop();
      await Promise.all(deps.adapters.map((a) => a.stop?.().catch(() => {})));
      // Drainers finish the message they are running (the rest stays pending for the next start or another
      // process); then the lanes finish the rows they are sending and hand back the claimed rows they had not begun.
      await Promise.all(drainers.map((d) => d.stop()));
      await Promise.all(lanes.map((l) => l.loop.stop()));
    },
  };
}
