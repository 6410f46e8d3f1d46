// Background work of a server process: the outbox sender loop and the scheduler.
import type { ChatAdapter, Dispatch } from '../bots/adapter.js';
import type { Db } from './db/client.js';
import { hostname } from 'node:os';
import { drainInbox } from './inbound/inbox.js';
import type { DispatchDeps } from './inbound/dispatch.js';
import { createOutboxWorker } from './outbox/worker.js';
import { startScheduler } from './scheduler/jobs.js';

export interface BackgroundDeps {
  db: Db;
  adapters: ChatAdapter[];
  dispatch: Dispatch;
  /** How inbox messages are processed (the same settings as the dispatch). */
  inbox: DispatchDeps;
  log: { warn(obj: object, msg?: string): void; error(obj: object, msg?: string): void };
  pollMs?: number;
  /** Distinguishes instances in scheduler claims. */
  instanceId?: string;
}

export interface Background {
  /** Wake the sender now (after a commit that queued messages). */
  kick(): void;
  stop(): Promise<void>;
}

export function startBackground(deps: BackgroundDeps): Background {
  const worker = createOutboxWorker({ db: deps.db, adapters: deps.adapters, log: deps.log });
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;
  let again = false;

  const tick = () => {
    if (stopped) return;
    clearTimeout(timer);
    running = running
      .then(async () => {
        do {
          again = false;
          // Messages first (they queue replies), then everything due in the outbox.
          await drainInbox(deps.db, deps.inbox);
          await worker.drain();
        } while (again && !stopped);
      })
      .catch((err) => deps.log.error({ err }, 'outbox sender failed; will retry'))
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, deps.pollMs ?? 1000);
      });
  };
  tick();
  const scheduler = startScheduler({
    db: deps.db,
    instanceId: deps.instanceId ?? `${hostname()}:${process.pid}`,
    onQueued: () => tick(),
    log: deps.log,
  });
  // Long-connection transports (Feishu ws, DingTalk Stream) connect out; their SDKs reconnect by themselves.
  for (const a of deps.adapters) {
    a.start?.(deps.dispatch).catch((err) => deps.log.error({ err: String((err as Error)?.message ?? err), platform: a.platform }, 'long connection failed to start'));
  }
  return {
    kick() {
      again = true;
      tick();
    },
    async stop() {
      stopped = true;
      scheduler.stop();
      await Promise.all(deps.adapters.map((a) => a.stop?.().catch(() => {})));
      clearTimeout(timer);
      await running;
    },
  };
}
