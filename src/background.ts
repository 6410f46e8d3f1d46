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
  /** Awaited by a drainer before each message (acknowledgements first). */
  turn?: () => Promise<void> | undefined;
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
  /** Runs the scheduler's minute tick now, by the code's clock (the one under way, if any); nothing without a scheduler. */
  tick(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A loop that runs `work` while `more(result)` says there may be more (by default: while it did something), then
 * sleeps until kicked or `pollMs` passed. `work` gets `stopping()`: once it is true, work finishes the item it holds
 * and returns, so stop() waits for one item, not a backlog.
 */
function loop(
  name: string,
  work: (stopping: () => boolean) => Promise<number>,
  log: Logger,
  pollMs: number,
  more: (done: number) => boolean = (n) => n > 0,
) {
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
        while (!stopped && more(await work(stopping)));
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

const INBOX_BATCH = 50;

export function startBackground(deps: BackgroundDeps): Background {
  const pollMs = deps.pollMs ?? 1000;
  const lanes = deps.adapters.map((adapter) => {
    // Two adapters on one platform (WeCom app + robot): the sharing one's lane takes its rows, the other the rest.
    const sharer = deps.adapters.find((a) => a.platform === adapter.platform && a.sharesPlatform && a.app);
    const siblings = deps.adapters.filter((a) => a.platform === adapter.platform).length;
    const split = sharer && siblings > 1 ? { via: sharer.app!, groupsElsewhere: sharer.sharesPlatform!.groupsElsewhere, mine: sharer === adapter } : undefined;
    const worker = createOutboxWorker({
      db: deps.db,
      adapters: [adapter],
      ...(split ? { split } : {}),
      log: deps.log,
      ...(deps.ratePerSecond ? { ratePerSecond: deps.ratePerSecond } : {}),
      ...(deps.leaseMs ? { leaseMs: deps.leaseMs } : {}),
      ...(deps.now ? { now: deps.now } : {}),
    });
    const name = `${adapter.platform}:${adapter.app ?? 'default'}`;
    // drain() claims until nothing is due, so calling it again at once would only find nothing (a kick that came
    // meanwhile runs it again).
    return { name, loop: loop(`outbox ${name}`, (stopping) => worker.drain(stopping), deps.log, pollMs, () => false) };
  });
  const kickOutbox = () => lanes.forEach((l) => l.loop.kick());
  const inboxDeps: DispatchDeps = { ...deps.inbox, onQueued: kickOutbox };
  const count = Math.max(1, deps.drainers ?? 1);
  const busy = new Set<string>();
  const drainers = Array.from({ length: count }, (_, index) =>
    // drainInbox stops early only when nothing was left it could run; at its limit there may be more.
    loop(
      `inbox ${index + 1}`,
      (stopping) => drainInbox(deps.db, inboxDeps, INBOX_BATCH, { index, count, busy, stopping, ...(deps.turn ? { turn: deps.turn } : {}) }),
      deps.log,
      pollMs,
      (n) => n >= INBOX_BATCH,
    ),
  );
  // A recorded message wakes one idle drainer (round robin), not all of them: the others would only race it to
  // the same sender's lock (a lookup, a transaction and a refused lock each). With none idle, the busy ones look
  // again when they finish, so nothing waits for the poll.
  let nextDrainer = 0;
  const kickInbox = () => {
    for (let k = 0; k < count; k++) {
      const d = drainers[(nextDrainer + k) % count]!;
      if (d.idle()) {
        nextDrainer = (nextDrainer + k + 1) % count;
        return d.kick();
      }
    }
    drainers.forEach((d) => d.kick());
  };
  const scheduler =
    deps.scheduler === false
      ? undefined
      : startScheduler({
          db: deps.db,
          instanceId: deps.instanceId ?? `${hostname()}:${process.pid}`,
          onQueued: kickOutbox,
          log: deps.log,
          ...(deps.inbox.publicUrl ? { publicUrl: deps.inbox.publicUrl } : {}),
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
    tick: async () => scheduler?.tick(),
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
